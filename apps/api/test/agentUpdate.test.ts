import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { once } from "node:events";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { AGENT_DIR, toolsEnv, waitFor } from "@restic-manager/test-support";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ADMIN, META } from "./support/actors.js";
import { enrollAgent } from "./support/agents.js";
import { type Client, createWorld, errorOf, type World } from "./support/world.js";

/**
 * The agent's self-update end to end: a real server serving a bundle, real bundled agents
 * installed in a scratch folder (as the install script puts them in /opt), started with the
 * command line the service uses.
 */

const scratch = mkdtempSync(path.join(tmpdir(), "rm-agent-update-"));

/** Builds the agent with another version (and, for refusals, another protocol). */
function buildAgent(name: string, version: string, protocol?: number): string {
  const outdir = path.join(scratch, "builds", name);
  execFileSync(process.execPath, ["build.mjs"], {
    cwd: AGENT_DIR,
    env: {
      ...process.env,
      RM_AGENT_BUILD_VERSION: version,
      RM_AGENT_BUILD_OUTDIR: outdir,
      ...(protocol === undefined ? {} : { RM_AGENT_BUILD_PROTOCOL: String(protocol) }),
    },
  });
  return path.join(outdir, "agent.mjs");
}

/** The processes whose parent is `pid`, from /proc. */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // pid (comm) state ppid …: comm may hold spaces and parentheses.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return children;
}

const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

interface InstalledAgent {
  bundle: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<number | null>;
}

/** Puts a bundle where the service runs it from and starts `node agent.mjs run --config …`. */
function installAndRun(bundle: string, configFile: string): InstalledAgent {
  const folder = mkdtempSync(path.join(scratch, "opt-"));
  const installed = path.join(folder, "agent.mjs");
  copyFileSync(bundle, installed);
  return run(installed, configFile);
}

function run(installed: string, configFile: string): InstalledAgent {
  const child = spawn(process.execPath, [installed, "run", "--config", configFile], {
    env: { ...toolsEnv(), RM_AGENT_UPDATE_TRIAL_SECONDS: "30" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  return {
    bundle: installed,
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = once(child, "exit") as Promise<[number | null]>;
      child.kill("SIGTERM");
      return (await exited)[0];
    },
  };
}

describe("agent self-update", () => {
  let world: World;
  let admin: Client;
  let operator: Client;
  const served = path.join(scratch, "served");
  const builds = { old: "", next: "", third: "", refused: "", ancient: "", protocol3: "" };
  const running: InstalledAgent[] = [];

  /** What the server offers from now on (a new mtime: it reads the banner again). */
  const serve = (bundle: string) => copyFileSync(bundle, path.join(served, "agent.mjs"));

  beforeAll(async () => {
    mkdirSync(served, { recursive: true });
    builds.old = buildAgent("old", "1.0.0");
    builds.next = buildAgent("next", "1.1.0");
    builds.third = buildAgent("third", "1.3.0");
    // A broken release: its banner says it speaks this server's protocol, its hello says 99.
    builds.refused = buildAgent("refused", "1.2.0", 99);
    writeFileSync(
      builds.refused,
      readFileSync(builds.refused, "utf8").replace(/ protocol 99\n/, " protocol 4\n"),
    );
    builds.ancient = buildAgent("ancient", "0.0.1", 0);
    builds.protocol3 = buildAgent("protocol3", "0.9.0", 3);
    serve(builds.next);
    world = await createWorld({ RM_AGENT_DIR: served });
    await world.addUser("admin", "admin");
    await world.addUser("op", "operator");
    admin = await world.signIn("admin");
    operator = await world.signIn("op");
  }, 120_000);

  afterEach(async () => {
    for (const agent of running.splice(0)) await agent.stop();
  });

  afterAll(async () => {
    await world.close();
  });

  /** A new host whose agent 1.0.0 runs from its own install folder, connected. */
  async function connectedHost() {
    const configFile = await enrollAgent(admin, world.server.url);
    const hostId = (JSON.parse(readFileSync(configFile, "utf8")) as { hostId: string }).hostId;
    const agent = installAndRun(builds.old, configFile);
    running.push(agent);
    await waitFor(
      async () => {
        const host = await admin.hosts.get.query({ id: hostId });
        return host.online && host.agentVersion === "1.0.0";
      },
      { timeoutMs: 30_000, what: "agent 1.0.0 to connect" },
    );
    return { hostId, configFile, agent };
  }

  async function finished(jobId: string) {
    return waitFor(
      async () => {
        const job = await admin.jobs.get.query({ id: jobId });
        return ["succeeded", "failed", "cancelled", "lost"].includes(job.state) && job;
      },
      { timeoutMs: 60_000, what: `job ${jobId} to end` },
    );
  }

  async function versionJobSucceeds(hostId: string) {
    const { id } = await admin.jobs.create.mutate({ hostId, params: { kind: "version" } });
    expect((await finished(id)).state).toBe("succeeded");
  }

  const connects = (hostId: string) =>
    world.logs.filter((line) => line.includes('"agent.connected"') && line.includes(hostId)).length;

  it("updates on the admin's click, keeps the old file, and the new agent runs jobs", async () => {
    serve(builds.next);
    const { hostId, agent } = await connectedHost();
    expect((await admin.hosts.get.query({ id: hostId })).agentUpdate).toBe("1.1.0");
    const listed = (await admin.hosts.list.query({})).items.find((h) => h.id === hostId);
    expect(listed?.agentUpdate).toBe("1.1.0");

    const { jobId, version } = await admin.hosts.updateAgent.mutate({ id: hostId });
    expect(version).toBe("1.1.0");
    const job = await finished(jobId);
    expect(job).toMatchObject({ state: "succeeded", kind: "agent-update" });

    const host = await waitFor(
      async () => {
        const found = await admin.hosts.get.query({ id: hostId });
        return found.online && found.agentVersion === "1.1.0" && found;
      },
      { timeoutMs: 30_000, what: "the host to show agent 1.1.0" },
    );
    expect(host.agentUpdate).toBeNull();
    expect(sha256(agent.bundle)).toBe(sha256(builds.next));
    expect(sha256(`${agent.bundle}.previous`)).toBe(sha256(builds.old));
    expect(existsSync(agent.bundle.replace(/\.mjs$/, ".new.mjs"))).toBe(false);
    expect(agent.output()).toContain('"event":"update.finished"');
    expect(agent.output()).toContain('"from":"1.0.0","to":"1.1.0"');
    // Who asked is audited.
    const audit = await admin.audit.list.query({});
    expect(JSON.stringify(audit)).toContain("agent-update");

    await versionJobSucceeds(hostId);
    // The old process waits for the new one and is not connected itself: two connects in all
    // (the old agent's and the new one's), none since (two agents would replace each other).
    expect(connects(hostId)).toBe(2);
    expect(agent.child.exitCode).toBeNull();

    // Asking again: it runs that version already.
    const again = await errorOf(admin.hosts.updateAgent.mutate({ id: hostId }));
    expect(again.message).toContain("already runs agent 1.1.0");

    // The waiter passes SIGTERM on and ends with the new agent's code.
    expect(await agent.stop()).toBe(0);
    await waitFor(async () => !(await admin.hosts.get.query({ id: hostId })).online, {
      what: "the host to go offline",
    });
  }, 120_000);

  it("rolls back when the new agent is refused, and the old one connects again", async () => {
    serve(builds.refused);
    const { hostId, agent } = await connectedHost();
    expect((await admin.hosts.get.query({ id: hostId })).agentUpdate).toBe("1.2.0");

    const { jobId } = await admin.hosts.updateAgent.mutate({ id: hostId });
    const job = await finished(jobId);
    expect(job.state).toBe("failed");
    expect(job.error).toContain("agent 1.2.0 was rolled back");
    expect(job.error).toContain("agent protocol 99 is not supported");
    expect(sha256(agent.bundle)).toBe(sha256(builds.old));
    expect(existsSync(`${agent.bundle}.previous`)).toBe(false);

    const host = await admin.hosts.get.query({ id: hostId });
    expect(host).toMatchObject({ online: true, agentVersion: "1.0.0" });
    await versionJobSucceeds(hostId);
    expect(agent.child.exitCode).toBeNull();
  }, 120_000);

  it("updates again under the waiter without adding one: one waiter and one agent, however many updates", async () => {
    serve(builds.next);
    const { hostId, agent } = await connectedHost();
    const waiter = agent.child.pid ?? 0;
    const runsVersion = (version: string) =>
      waitFor(
        async () => {
          const found = await admin.hosts.get.query({ id: hostId });
          return found.online && found.agentVersion === version;
        },
        { timeoutMs: 30_000, what: `the host to show agent ${version}` },
      );
    const update = async () =>
      finished((await admin.hosts.updateAgent.mutate({ id: hostId })).jobId);

    expect((await update()).state).toBe("succeeded");
    await runsVersion("1.1.0");
    const [second] = childrenOf(waiter);
    expect(childrenOf(waiter)).toHaveLength(1);

    // A failed trial under the waiter: the waiter stops the new agent, the 1.1.0 one goes on.
    serve(builds.refused);
    const refused = await update();
    expect(refused.state).toBe("failed");
    expect(refused.error).toContain("agent 1.2.0 was rolled back");
    expect(refused.error).toContain("agent protocol 99 is not supported");
    expect(sha256(agent.bundle)).toBe(sha256(builds.next));
    await runsVersion("1.1.0");
    expect(childrenOf(waiter)).toEqual([second]);

    serve(builds.third);
    expect((await update()).state).toBe("succeeded");
    await runsVersion("1.3.0");
    expect(sha256(agent.bundle)).toBe(sha256(builds.third));
    expect(sha256(`${agent.bundle}.previous`)).toBe(sha256(builds.next));
    // The 1.1.0 agent handed over and left; the service's process waits for the 1.3.0 one.
    await waitFor(() => !childrenOf(waiter).includes(second ?? -1) || undefined, {
      what: "the 1.1.0 agent to exit",
    });
    const [third] = childrenOf(waiter);
    expect(childrenOf(waiter)).toHaveLength(1);
    expect(third).not.toBe(second);
    expect(childrenOf(third ?? -1)).toEqual([]);
    expect(agent.output()).toContain('"from":"1.1.0","to":"1.3.0"');
    await versionJobSucceeds(hostId);

    // Signals reach the adopted agent, and the waiter ends with its code.
    expect(await agent.stop()).toBe(0);
    expect(existsSync(`/proc/${third}`)).toBe(false);
  }, 180_000);

  it("changes nothing when the download does not match the job's sha256", async () => {
    serve(builds.next);
    const { hostId, agent } = await connectedHost();
    // The server names the bundle it serves; here another one, as if the file changed meanwhile.
    const job = await world.server.deps.jobs.create(
      {
        hostId,
        params: {
          kind: "agent-update",
          version: "1.1.0",
          sha256: "0".repeat(64),
          size: readFileSync(builds.next).length,
        },
      },
      ADMIN,
      META,
      { ownAction: true },
    );
    const ended = await finished(job.id);
    expect(ended.state).toBe("failed");
    expect(ended.error).toContain(`sha256 is ${sha256(builds.next)}, not ${"0".repeat(64)}`);
    expect(sha256(agent.bundle)).toBe(sha256(builds.old));
    expect(existsSync(`${agent.bundle}.previous`)).toBe(false);
    expect(existsSync(agent.bundle.replace(/\.mjs$/, ".new.mjs"))).toBe(false);
    await versionJobSucceeds(hostId);
  }, 120_000);

  it("is for admins only, through its own action, and only for a connected agent", async () => {
    serve(builds.next);
    const { hostId, agent } = await connectedHost();
    expect((await errorOf(operator.hosts.updateAgent.mutate({ id: hostId }))).data?.code).toBe(
      "FORBIDDEN",
    );
    const direct = await errorOf(
      operator.jobs.create.mutate({
        hostId,
        params: { kind: "agent-update", version: "1.1.0", sha256: "a".repeat(64), size: 10 },
      }),
    );
    expect(direct.message).toContain("started with hosts.updateAgent");

    await agent.stop();
    await waitFor(async () => !(await admin.hosts.get.query({ id: hostId })).online, {
      what: "the host to go offline",
    });
    const offline = await errorOf(admin.hosts.updateAgent.mutate({ id: hostId }));
    expect(offline.message).toContain("is offline");
  }, 120_000);

  it("refuses an agent whose protocol predates self-update, and sends it nothing", async () => {
    serve(builds.next);
    const configFile = await enrollAgent(admin, world.server.url);
    const hostId = (JSON.parse(readFileSync(configFile, "utf8")) as { hostId: string }).hostId;
    const agent = installAndRun(builds.protocol3, configFile);
    running.push(agent);
    await waitFor(
      async () => {
        const host = await admin.hosts.get.query({ id: hostId });
        return host.online && host.protocolVersion === 3;
      },
      { timeoutMs: 30_000, what: "the protocol 3 agent to connect" },
    );
    const refused = await errorOf(admin.hosts.updateAgent.mutate({ id: hostId }));
    expect(refused.message).toContain(
      "agent speaks protocol 3; agent-update needs 4 or newer: reinstall the agent",
    );
    const jobs = await admin.jobs.list.query({ hostId });
    expect(jobs.items).toHaveLength(0);
    expect(sha256(agent.bundle)).toBe(sha256(builds.protocol3));
  }, 120_000);

  it("tells to reinstall an agent too old to connect, until a supported one connects", async () => {
    const configFile = await enrollAgent(admin, world.server.url);
    const hostId = (JSON.parse(readFileSync(configFile, "utf8")) as { hostId: string }).hostId;
    const ancient = installAndRun(builds.ancient, configFile);
    running.push(ancient);
    const host = await waitFor(
      async () => {
        const found = await admin.hosts.get.query({ id: hostId });
        return found.tooOldAgent !== null && found;
      },
      { timeoutMs: 30_000, what: "the refusal to be recorded" },
    );
    expect(host.online).toBe(false);
    expect(host.tooOldAgent).toMatchObject({
      agentVersion: "0.0.1",
      protocolVersion: 0,
      supported: { min: 1, max: 4 },
      // Enrolled already: the install script keeps the identity and needs no token.
      installCommand: `curl -fsSL ${world.config.publicUrl}/agent/install.sh | sudo sh`,
    });
    expect(host.agentUpdate).toBeNull();
    const listed = (await admin.hosts.list.query({})).items.find((h) => h.id === hostId);
    expect(listed?.tooOldAgent?.protocolVersion).toBe(0);
    expect(ancient.output()).toContain("upgrade the agent");

    await ancient.stop();
    running.push(installAndRun(builds.old, configFile));
    const cleared = await waitFor(
      async () => {
        const found = await admin.hosts.get.query({ id: hostId });
        return found.online && found;
      },
      { timeoutMs: 30_000, what: "the supported agent to connect" },
    );
    expect(cleared.tooOldAgent).toBeNull();
  }, 120_000);
});
