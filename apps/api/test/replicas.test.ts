import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type RestServer, startRestServer, waitFor } from "@restic-manager/test-support";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { openPostgres } from "../src/db.js";
import { applyPostgresMigrations } from "../src/postgresMigrations.js";
import { Replicas } from "../src/replicas.js";
import { createUser } from "../src/users/service.js";
import { type AgentProcess, enrollAgent, startAgent } from "./support/agents.js";
import { randomTree, resultOf, waitForJobEnd } from "./support/jobs.js";
import { type Nginx, startNginx } from "./support/nginx.js";
import {
  POSTGRES_MIGRATIONS,
  type PostgresCluster,
  startPostgresCluster,
} from "./support/postgres.js";
import { snapshotsOfPaths } from "./support/resticCli.js";
import { type ServerProcess, startServerProcess } from "./support/serverProcess.js";
import { readStream, subscriptionUrl } from "./support/sse.js";
import { type Client, jarOf, makeClient, PASSWORD } from "./support/world.js";

const REPOSITORY_PASSWORD = "replicas repository password";
const AGENTS = 4;

/** What a replica's JSON log says, line by line. */
function logEvents(server: ServerProcess): Array<Record<string, unknown>> {
  return server
    .output()
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        return {};
      }
    });
}

/** The value of an unlabelled gauge in a replica's /metrics. */
async function gauge(server: ServerProcess, name: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`restic_manager_${name} `));
  if (!line) throw new Error(`no restic_manager_${name} in ${server.url}/metrics`);
  return Number(line.split(" ")[1]);
}

/**
 * Two API replicas (real server processes) on one real PostgreSQL, behind a real nginx
 * configured as docker/nginx/ ships it; real agents, restic and rest-server reach the servers
 * only through nginx, as a deployment's would. The cases run in order, each building on the
 * last.
 */
describe("two API replicas on one PostgreSQL behind nginx", () => {
  let cluster: PostgresCluster;
  let replicaA: ServerProcess;
  let replicaB: ServerProcess;
  let nginx: Nginx;
  let rest: RestServer;
  let restDir: string;
  let admin: Client;
  const agents: AgentProcess[] = [];
  const hostIds: string[] = [];
  const trees = new Map<string, string>();
  let repositoryId = "";
  let repository = "";

  /** The replica whose log names the host's latest connect. */
  const replicaOf = (hostId: string): ServerProcess | undefined => {
    let latest: { at: number; server: ServerProcess } | undefined;
    for (const server of [replicaA, replicaB]) {
      for (const event of logEvents(server)) {
        if (event.event !== "agent.connected" || event.hostId !== hostId) continue;
        const at = Date.parse(String(event.time));
        if (!latest || at >= latest.at) latest = { at, server };
      }
    }
    return latest?.server;
  };
  /** A snapshot only the agent on B can read (the host of setOnB). */
  let snapshotOnB = "";
  /** A backup set of a host connected to B. */
  let setOnB: { id: string; hostId: string } | undefined;
  /** A host revoked along the way: its agent is gone for good. */
  let revoked = "";
  const hostsOn = (server: ServerProcess) =>
    hostIds.filter((id) => id !== revoked && replicaOf(id) === server);
  const onlineThrough = async (client: Client) =>
    new Set(
      (await client.hosts.list.query({ limit: 200 })).items
        .filter((host) => host.online)
        .map((host) => host.id),
    );

  beforeAll(async () => {
    cluster = await startPostgresCluster();
    const url = await cluster.createDatabase("rm_replicas");
    await applyPostgresMigrations(url, POSTGRES_MIGRATIONS);
    const db = await openPostgres(url, 2);
    try {
      await createUser(
        db,
        { username: "admin", role: "admin", password: PASSWORD },
        { type: "system", name: "test" },
      );
    } finally {
      await db.$disconnect();
    }
    const database = {
      env: {},
      open: () => openPostgres(url, 2),
      drop: async () => {},
    };
    const env = {
      RM_DATABASE_URL: url,
      RM_DATABASE_POOL: "4",
      RM_REPLICA_HEARTBEAT: "1",
      // Both replicas open the same sealed secrets.
      RM_MASTER_KEY: randomBytes(32).toString("base64"),
      RM_JOB_LOST_AFTER: "15s",
      RM_METRICS_PUBLIC: "true",
    };
    // A starts first and leads; B follows.
    replicaA = await startServerProcess(env, { database });
    await waitFor(
      () => logEvents(replicaA).some((e) => e.event === "leadership.gained") || undefined,
      {
        what: "replica A to lead",
      },
    );
    replicaB = await startServerProcess(env, { database });
    const upstream = (server: ServerProcess) => new URL(server.url).host;
    nginx = await startNginx({ upstreams: [upstream(replicaA), upstream(replicaB)] });
    admin = makeClient(nginx.url);
    await admin.auth.login.mutate({ username: "admin", password: PASSWORD });

    restDir = mkdtempSync(path.join(tmpdir(), "rm-rest-"));
    rest = await startRestServer(restDir);
    // One at a time: nginx's least_conn sends each to the replica with fewer agents.
    for (let n = 0; n < AGENTS; n++) {
      const configFile = await enrollAgent(admin, nginx.url);
      const hostId = (JSON.parse(readFileSync(configFile, "utf8")) as { hostId: string }).hostId;
      agents.push(startAgent(configFile));
      hostIds.push(hostId);
      await waitFor(() => replicaOf(hostId), { timeoutMs: 30_000, what: `agent ${n} to connect` });
      const tree = mkdtempSync(path.join(tmpdir(), "rm-replica-tree-"));
      writeFileSync(path.join(tree, "note.txt"), `host ${n}\n`);
      trees.set(hostId, tree);
    }
    repository = rest.repository("replicas");
    const created = await admin.repositories.create.mutate({
      name: "replicas",
      url: repository,
      password: REPOSITORY_PASSWORD,
      setup: { mode: "init", hostId: hostIds[0] ?? "" },
    });
    repositoryId = created.repository.id;
    const setup = await waitForJobEnd(admin, created.setupJobId);
    expect(setup.state, setup.error ?? "").toBe("succeeded");
  }, 240_000);

  afterAll(async () => {
    await Promise.all(agents.map((agent) => agent.stop()));
    await nginx?.stop();
    await rest?.stop();
    await replicaA?.close();
    await replicaB?.close();
    await cluster?.stop();
    if (restDir) rmSync(restDir, { recursive: true, force: true });
    for (const tree of trees.values()) rmSync(tree, { recursive: true, force: true });
  });

  it("spreads the agents over both replicas, and each replica shows every host online", async () => {
    expect(hostsOn(replicaA).length).toBeGreaterThan(0);
    expect(hostsOn(replicaB).length).toBeGreaterThan(0);
    const viaA = await replicaA.signIn("admin");
    const viaB = await replicaB.signIn("admin");
    await waitFor(
      async () => {
        const [a, b] = await Promise.all([onlineThrough(viaA), onlineThrough(viaB)]);
        return hostIds.every((id) => a.has(id) && b.has(id)) || undefined;
      },
      { timeoutMs: 15_000, what: "every host online through both replicas" },
    );
    // Each replica's metrics say who leads, how many replicas it hears and which agents it holds.
    expect([
      await gauge(replicaA, "replica_leader"),
      await gauge(replicaB, "replica_leader"),
    ]).toEqual([1, 0]);
    expect(await gauge(replicaA, "replicas")).toBe(2);
    expect(await gauge(replicaB, "replicas")).toBe(2);
    expect(await gauge(replicaA, "agents_connected")).toBe(hostsOn(replicaA).length);
    expect(await gauge(replicaB, "agents_connected")).toBe(hostsOn(replicaB).length);
  });

  it("runs a job made through replica A on an agent connected to B, and a browser watching through A sees its progress live", async () => {
    const hostId = hostsOn(replicaB)[0] ?? "";
    const viaA = await replicaA.signIn("admin");
    const big = randomTree(3);
    try {
      const { id } = await viaA.jobs.create.mutate({
        hostId,
        repositoryId,
        params: { kind: "backup", paths: [big], limitUpload: 512 },
      });
      const { events, ended } = await readStream({
        url: subscriptionUrl(replicaA.url, "jobs.watch", { id }),
        cookie: jarOf(viaA).cookie ?? "",
        onEvent: async () => (await viaA.jobs.get.query({ id })).state,
        until: (received) => received.some((event) => /"state":"succeeded"/.test(event.data)),
      });
      expect(ended).toBe(false);
      const progress = events.filter((event) => event.data.includes('"type":"progress"'));
      expect(progress.length).toBeGreaterThan(0);
      // Seen while the job ran: live, not replayed at its end.
      expect(progress[0]?.seen).toBe("running");
      const job = await waitForJobEnd(viaA, id);
      expect(job.state, job.error ?? "").toBe("succeeded");
      // The agent reported to B all along.
      expect(replicaOf(hostId)).toBe(replicaB);
    } finally {
      rmSync(big, { recursive: true, force: true });
    }
  });

  it("lists and browses through replica A the snapshots only an agent connected to B can read", async () => {
    const hostId = hostsOn(replicaB)[0] ?? "";
    const tree = trees.get(hostId) ?? "";
    // The host's set gives it (and only it) access to read the repository.
    setOnB = await admin.backupSets.create.mutate({
      name: "replica-b-set",
      hostId,
      repositoryId,
      options: { paths: [tree] },
    });
    const backup = await admin.jobs.create.mutate({
      hostId,
      repositoryId,
      params: { kind: "backup", paths: [tree] },
    });
    expect((await waitForJobEnd(admin, backup.id)).state).toBe("succeeded");
    const viaA = await replicaA.signIn("admin");
    const listed = await viaA.snapshots.list.query({ repositoryId });
    // Read by the agent on B, asked through A.
    expect(listed.reader).toMatchObject({ hostId });
    const snapshot = listed.snapshots.find(
      (s) => JSON.stringify(s.paths) === JSON.stringify([tree]),
    );
    expect(snapshot, JSON.stringify(listed.snapshots)).toBeDefined();
    const browsed = await viaA.snapshots.browse.query({
      repositoryId,
      snapshotId: snapshot?.id ?? "",
      path: tree,
    });
    expect(browsed.entries.map((entry) => entry.name)).toContain("note.txt");
    snapshotOnB = snapshot?.id ?? "";
    expect(replicaOf(hostId)).toBe(replicaB);
  });

  it("downloads through either replica a file only an agent connected to B can read, byte for byte", async () => {
    const set = setOnB;
    if (!set || !snapshotOnB) throw new Error("the previous case made no snapshot");
    const file = path.join(trees.get(set.hostId) ?? "", "note.txt");
    // Asked of A four times (A passes the browser's request to B, and the agent's upload,
    // sent through nginx, reaches whichever replica nginx picks), and of B once.
    for (const replica of [replicaA, replicaA, replicaA, replicaA, replicaB]) {
      const browser = await replica.signIn("admin");
      const link = await browser.downloads.prepare.mutate({
        repositoryId,
        snapshotId: snapshotOnB,
        path: file,
      });
      const response = await fetch(`${replica.url}${link.url}`, {
        headers: { cookie: jarOf(browser).cookie ?? "" },
      });
      expect(response.status, await response.clone().text()).toBe(200);
      expect(await response.text()).toBe(readFileSync(file, "utf8"));
      // Spent once, wherever it was served: neither replica takes it again.
      for (const again of [replicaA, replicaB]) {
        const replay = await fetch(`${again.url}${link.url}`, {
          headers: { cookie: jarOf(browser).cookie ?? "" },
        });
        expect(replay.status).toBe(404);
      }
    }
    // Served by B, the replica the agent is connected to.
    const sent = (server: ServerProcess) =>
      logEvents(server).filter((e) => e.event === "download.sent").length;
    // (logged once the agent's side is answered, just after the browser had the last byte)
    await waitFor(() => sent(replicaB) === 5 || undefined, { what: "B to log the fifth download" });
    expect(sent(replicaA)).toBe(0);
    const relayed = (what: string) =>
      logEvents(replicaA).filter((e) => e.event === "download.relayed" && e.what === what).length;
    // Each browser request A had went to B.
    expect(relayed("request")).toBe(4);
    // An upload for B that reaches A (through a balancer) is passed on to B, which answers it:
    // here B refuses it, since it carries no agent's credential.
    const bId = String(logEvents(replicaB).find((e) => e.event === "replica.started")?.replicaId);
    const before = relayed("upload");
    const stray = await fetch(`${replicaA.url}/agent/uploads/u_${Replicas.tagOf(bId)}.stray`, {
      method: "PUT",
      body: "x",
    });
    expect(stray.status).toBe(401);
    expect(relayed("upload")).toBe(before + 1);
  });

  it("sends a schedule made through replica A to its agent connected to B at once", async () => {
    const set = setOnB;
    if (!set) throw new Error("the previous case made no set");
    const agent = agents[hostIds.indexOf(set.hostId)];
    const updated = () => (agent?.output() ?? "").match(/"event":"schedules\.updated","count":1/g);
    expect(updated()).toBeNull();
    const viaA = await replicaA.signIn("admin");
    await viaA.schedules.create.mutate({
      kind: "backup",
      backupSetId: set.id,
      timing: { type: "cron", expression: "0 3 * * *" },
      timeZone: "UTC",
    });
    await waitFor(() => updated(), {
      timeoutMs: 10_000,
      what: "the agent on B to get the schedule made through A",
    });
    expect(replicaOf(set.hostId)).toBe(replicaB);
  });

  it("revoked through replica A, a host whose agent is connected to B loses its socket there at once", async () => {
    revoked = hostsOn(replicaB).find((id) => id !== hostIds[0]) ?? "";
    const agent = agents[hostIds.indexOf(revoked)];
    const viaA = await replicaA.signIn("admin");
    await viaA.hosts.revoke.mutate({ id: revoked });
    // B closed it with the revocation's code, and refuses it since: it never comes back.
    await waitFor(() => /code 4003/.test(agent?.output() ?? "") || undefined, {
      timeoutMs: 10_000,
      what: "B to close the revoked agent's socket",
    });
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(await onlineThrough(viaA)).not.toContain(revoked);
    expect(await onlineThrough(await replicaB.signIn("admin"))).not.toContain(revoked);
  });

  it("counts failed sign-ins made through either replica together, and refuses the account on both", async () => {
    // Five failures are allowed (ACCOUNT_RULE), the sixth locks: three through each replica
    // lock it only when each counts the other's.
    const viaA = makeClient(replicaA.url);
    const viaB = makeClient(replicaB.url);
    const attempt = async (client: Client) => {
      try {
        await client.auth.login.mutate({ username: "mallory", password: "not the password" });
        return "signed in";
      } catch (error) {
        return String((error as { data?: { code?: string } }).data?.code);
      }
    };
    for (const client of [viaA, viaB, viaA, viaB, viaA, viaB]) {
      expect(await attempt(client)).toBe("UNAUTHORIZED");
    }
    // Told over NOTIFY within milliseconds; a second try leaves room for a slow one. Alone,
    // A would have counted four or five failures: still within the allowance.
    let throughA = await attempt(viaA);
    if (throughA !== "TOO_MANY_REQUESTS") {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      throughA = await attempt(viaA);
    }
    expect(throughA).toBe("TOO_MANY_REQUESTS");
    expect(await attempt(viaB)).toBe("TOO_MANY_REQUESTS");
  });

  it("loses replica A mid-backup: its agents come back through nginx to B, the result is recorded once, and B takes over the work that runs once", {
    timeout: 240_000,
  }, async () => {
    onTestFailed(() => {
      const dir = mkdtempSync(path.join(tmpdir(), "rm-replicas-logs-"));
      writeFileSync(path.join(dir, "replica-a.log"), replicaA.output());
      writeFileSync(path.join(dir, "replica-b.log"), replicaB.output());
      writeFileSync(path.join(dir, "nginx.log"), nginx.log());
      for (const [index, agent] of agents.entries()) {
        writeFileSync(path.join(dir, `agent-${index}.log`), agent.output());
      }
      console.log(`the replicas' and agents' output is in ${dir}`);
    });
    const onA = hostsOn(replicaA);
    const hostId = onA[0] ?? "";
    expect(hostId).not.toBe("");
    const big = randomTree(3);
    try {
      const { id } = await admin.jobs.create.mutate({
        hostId,
        repositoryId,
        params: { kind: "backup", paths: [big], limitUpload: 512 },
      });
      await waitFor(
        async () => {
          const job = await admin.jobs.get.query({ id });
          return job.state === "running" && job.progress ? job : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 100, what: "the backup to report progress" },
      );
      const killedAt = Date.now();
      await replicaA.kill("SIGKILL");

      // Every agent A had comes back, through nginx, to B.
      await waitFor(
        () =>
          onA.every((id) => {
            const server = replicaOf(id);
            return server === replicaB;
          }) || undefined,
        { timeoutMs: 60_000, what: "A's agents to connect to B" },
      );
      // B leads now: its log says so, after A died.
      await waitFor(
        () =>
          logEvents(replicaB).some(
            (e) => e.event === "leadership.gained" && Date.parse(String(e.time)) >= killedAt,
          ) || undefined,
        { timeoutMs: 20_000, what: "B to take the leadership" },
      );
      expect(await gauge(replicaB, "replica_leader")).toBe(1);
      await waitFor(async () => (await gauge(replicaB, "replicas")) === 1 || undefined, {
        timeoutMs: 20_000,
        what: "B to count A out",
      });
      const job = await waitForJobEnd(admin, id, 120_000);
      expect(job.state, job.error ?? "").toBe("succeeded");
      const snapshotId = resultOf(job, "backup").snapshotId;
      // Run once: restic holds exactly one snapshot of that tree, the one the job recorded.
      const snapshots = await snapshotsOfPaths(repository, REPOSITORY_PASSWORD, [big]);
      expect(snapshots.map((s) => s.id)).toEqual([snapshotId]);
      // Made once: one job and one audit row of its start, however the failover went.
      const started = await admin.audit.list.query({ action: "job.started", target: id });
      expect(started.items).toHaveLength(1);

      // The lost-job sweeper runs on B: a job whose agent dies is marked lost there.
      const victim = hostsOn(replicaB).find((id) => id !== hostId && id !== hostIds[0]) ?? "";
      const victimAgent = agents[hostIds.indexOf(victim)];
      const slow = randomTree(3);
      try {
        const { id: doomed } = await admin.jobs.create.mutate({
          hostId: victim,
          repositoryId,
          params: { kind: "backup", paths: [slow], limitUpload: 256 },
        });
        await waitFor(
          async () => (await admin.jobs.get.query({ id: doomed })).state === "running" || undefined,
          { timeoutMs: 30_000, what: "the doomed backup to run" },
        );
        victimAgent?.child.kill("SIGKILL");
        const lost = await waitForJobEnd(admin, doomed, 60_000);
        expect(lost.state).toBe("lost");
        expect(lost.error).toMatch(/went away/);
      } finally {
        rmSync(slow, { recursive: true, force: true });
      }

      // Nothing else was lost or run twice: every other job of the test ends, and succeeds.
      const others = await waitFor(
        async () => {
          const all = (await admin.jobs.list.query({ limit: 200 })).items;
          const rest = all.filter((j) => j.hostId !== victim && j.hostId !== revoked);
          return rest.every((j) => ["succeeded", "failed", "cancelled", "lost"].includes(j.state))
            ? rest
            : undefined;
        },
        { timeoutMs: 60_000, what: "every other job to end" },
      );
      expect(
        others.filter((j) => j.state !== "succeeded"),
        JSON.stringify(others.map((j) => [j.kind, j.state, j.error])),
      ).toEqual([]);
    } finally {
      rmSync(big, { recursive: true, force: true });
    }
  });
});
