import { startRestServer, waitFor } from "@restic-manager/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentAt, type FaultWorld, startFaultWorld } from "./support/faultWorld.js";
import { randomTree, resultOf, startSlowBackup, waitForJobEnd } from "./support/jobs.js";
import { snapshotsOfPaths } from "./support/resticCli.js";
import { type Client, createWorld, type World } from "./support/world.js";

const PASSWORD = "repository password for the rest-server drill";

/**
 * Fault drill: rest-server stopped while restic backs up through it, and started again on the
 * same port and data, with the real server, agent and restic. restic 0.18 retries a backend
 * that does not answer for up to 15 minutes before it gives up, so within a test's time the
 * backup does not fail: what the drill asks is that the job says what happens while it waits,
 * that one alert says the repository does not answer and is resolved by the backup's success,
 * and that it ends with exactly one snapshot and a sound repository once the server is back.
 */
describe("fault drill: rest-server stopped during a backup", () => {
  let server: World;
  let world: FaultWorld;
  let admin: Client;
  let hostId: string;
  let repositoryId: string;

  beforeAll(async () => {
    server = await createWorld();
    await server.addUser("admin", "admin");
    admin = await server.signIn("admin");
    world = await startFaultWorld(
      { url: server.server.url, admin, close: () => server.close() },
      {
        password: PASSWORD,
      },
    );
    ({ hostId } = agentAt(world, 0));
    repositoryId = world.repositoryId;
  });

  afterAll(async () => {
    await (world ? world.close() : server?.close());
  });

  it("the job's log says the repository does not answer while it is away; back, the backup ends with one snapshot", {
    timeout: 120_000,
  }, async () => {
    const tree = randomTree(3);
    const id = await startSlowBackup(admin, {
      hostId,
      repositoryId,
      paths: [tree],
      limitUpload: 256,
    });
    const { port } = world.rest;
    await world.rest.stop();

    const waiting = await waitFor(
      async () => {
        const job = await admin.jobs.get.query({ id });
        const refused = job.logs.find(
          (l) => /connection refused/.test(l.line) && /retrying/.test(l.line),
        );
        return refused ? { job, refused } : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200, what: "the job's log to say the repository is away" },
    );
    expect(waiting.job.state).toBe("running");
    expect(waiting.refused.stream).toBe("stderr");
    expect(waiting.refused.line).toContain(`127.0.0.1:${port}`);
    expect(waiting.refused.line).not.toContain(PASSWORD);
    // One alert says so once restic has kept retrying for 10 s (it gives up only after 15 minutes).
    const raised = await waitFor(
      async () => {
        const { items } = await admin.alerts.list.query({
          state: "open",
          kind: "repository_failing",
        });
        return items.length > 0 ? items : undefined;
      },
      { timeoutMs: 45_000, intervalMs: 200, what: "an alert that the repository does not answer" },
    );
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({ repositoryId, jobId: id });
    expect(raised[0]?.summary).toContain("does not answer");
    expect(raised[0]?.summary).not.toContain(PASSWORD);

    world.rest = await startRestServer(world.restDataDir, 15_000, { port });
    const done = await waitForJobEnd(admin, id, 60_000);
    expect(done.state, done.error ?? "").toBe("succeeded");
    const inRestic = await snapshotsOfPaths(world.resticRepository(), PASSWORD, [tree]);
    expect(inRestic.map((s) => s.id)).toEqual([resultOf(done, "backup").snapshotId]);
    // The backup's success resolves it: one alert, raised once and resolved after recovery.
    const all = await waitFor(
      async () => {
        const { items } = await admin.alerts.list.query({ kind: "repository_failing" });
        return items.every((alert) => alert.state === "resolved") ? items : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 200, what: "the alert to be resolved" },
    );
    expect(all.map((a) => a.id)).toEqual([raised[0]?.id]);

    const check = await admin.jobs.create.mutate({
      hostId,
      repositoryId,
      params: { kind: "check" },
    });
    const checked = await waitForJobEnd(admin, check.id);
    expect(resultOf(checked, "check")).toMatchObject({ ok: true, numErrors: 0 });
  });
});
