import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { type RestServer, startRestServer, waitFor } from "@restic-manager/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentProcess, enrollAgent, startAgent } from "./support/agents.js";
import { waitForJobEnd } from "./support/jobs.js";
import { type Client, createWorld, type World } from "./support/world.js";

const root = path.resolve(import.meta.dirname, "../../..");
const restic = path.join(root, ".tools/bin/restic");
const PASSWORD = "repository password for the lock test";
const LOCK_WAIT_SECONDS = 12;

function resticEnv(repository: string) {
  return {
    PATH: process.env.PATH ?? "",
    HOME: tmpdir(),
    RESTIC_REPOSITORY: repository,
    RESTIC_PASSWORD: PASSWORD,
  };
}

/**
 * restic outside restic-manager holding a shared lock for as long as its stdin stays open
 * (a backup from stdin), as another tool or an admin's shell would.
 */
async function holdLock(repository: string): Promise<{ release(): Promise<void> }> {
  const child: ChildProcess = spawn(
    restic,
    ["--no-cache", "backup", "--stdin", "--stdin-filename", "held"],
    { env: resticEnv(repository), stdio: ["pipe", "ignore", "ignore"] },
  );
  await waitFor(
    async () => {
      const { stdout } = await promisify(execFile)(
        restic,
        ["--no-cache", "--no-lock", "list", "locks"],
        { env: resticEnv(repository) },
      );
      return stdout.trim().length > 0 || undefined;
    },
    { timeoutMs: 15_000, intervalMs: 100, what: "restic to take its lock" },
  );
  return {
    async release() {
      const exited = once(child, "exit");
      child.stdin?.end("held data\n");
      await exited;
    },
  };
}

/**
 * Exclusive jobs (check here) and locks, with real restic 0.18, rest-server and two agents:
 * the server holds a check back while a backup it knows of runs, and restic waits up to
 * RM_LOCK_WAIT for locks the server does not know of.
 */
describe("exclusive jobs wait for the repository's lock", () => {
  let world: World;
  let admin: Client;
  let rest: RestServer;
  let agents: AgentProcess[] = [];
  let backupHostId: string;
  let checkHostId: string;
  let repositoryId: string;
  const tree = mkdtempSync(path.join(tmpdir(), "rm-tree-"));

  beforeAll(async () => {
    world = await createWorld({ RM_LOCK_WAIT: `${LOCK_WAIT_SECONDS}s` });
    await world.addUser("admin", "admin");
    admin = await world.signIn("admin");
    rest = await startRestServer(mkdtempSync(path.join(tmpdir(), "rm-rest-")));
    // Random bytes do not deduplicate: with an upload limit the backup takes seconds.
    writeFileSync(path.join(tree, "random.bin"), randomBytes(3 * 1024 * 1024));

    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      agents.push(startAgent(await enrollAgent(admin, world.server.url)));
      const host = await waitFor(
        async () =>
          (await admin.hosts.list.query()).items.find((h) => h.online && !ids.includes(h.id)),
        { timeoutMs: 30_000, what: `agent ${i}` },
      );
      ids.push(host.id);
    }
    [backupHostId = "", checkHostId = ""] = ids;
    const { repository, setupJobId } = await admin.repositories.create.mutate({
      name: "shared",
      url: rest.repository("shared"),
      password: PASSWORD,
      setup: { mode: "init", hostId: backupHostId },
    });
    repositoryId = repository.id;
    expect((await waitForJobEnd(admin, setupJobId)).state).toBe("succeeded");
  });

  afterAll(async () => {
    for (const agent of agents) await agent.stop();
    agents = [];
    await rest?.stop();
    await world?.close();
  });

  it("a check queued while another host's backup runs starts after it and succeeds", async () => {
    // The repository's health read after its set-up locks it too: over before the backup.
    await waitFor(
      async () => {
        for (const state of ["queued", "dispatched", "running"] as const) {
          const { items } = await admin.jobs.list.query({ kind: "health", state });
          if (items.some((job) => job.repositoryId === repositoryId)) return undefined;
        }
        return true;
      },
      { timeoutMs: 60_000, intervalMs: 100, what: "the set-up's health read to end" },
    );
    const backup = await admin.jobs.create.mutate({
      hostId: backupHostId,
      repositoryId,
      params: { kind: "backup", paths: [tree], limitUpload: 512 },
    });
    await waitFor(
      async () => (await admin.jobs.get.query({ id: backup.id })).state === "running" || undefined,
      { timeoutMs: 30_000, intervalMs: 50, what: "the backup to run" },
    );
    const check = await admin.jobs.create.mutate({
      hostId: checkHostId,
      repositoryId,
      params: { kind: "check" },
    });
    // Held on the server while the backup runs, and told why.
    const waiting = await admin.jobs.get.query({ id: check.id });
    expect(waiting.state).toBe("queued");

    const backupEnd = await waitForJobEnd(admin, backup.id, 90_000);
    const checkEnd = await waitForJobEnd(admin, check.id, 90_000);
    expect(backupEnd.state, backupEnd.error ?? "").toBe("succeeded");
    expect(checkEnd.state, checkEnd.error ?? "").toBe("succeeded");
    expect(checkEnd.startedAt?.getTime()).toBeGreaterThanOrEqual(
      backupEnd.finishedAt?.getTime() ?? Number.POSITIVE_INFINITY,
    );
    expect(checkEnd.logs.map((l) => l.line).join("\n")).toMatch(
      /waiting for the backup on .* to finish: it locks this repository/,
    );
  });

  it("restic waits for a lock the server does not know of, and runs once it is gone", async () => {
    const lock = await holdLock(rest.repository("shared"));
    const check = await admin.jobs.create.mutate({
      hostId: checkHostId,
      repositoryId,
      params: { kind: "check" },
    });
    await waitFor(
      async () => (await admin.jobs.get.query({ id: check.id })).state === "running" || undefined,
      { timeoutMs: 30_000, intervalMs: 50, what: "the check to start" },
    );
    await lock.release();
    const end = await waitForJobEnd(admin, check.id, 90_000);
    expect(end.state, end.error ?? "").toBe("succeeded");
  });

  it("a lock held longer than RM_LOCK_WAIT fails the job with that reason", async () => {
    const lock = await holdLock(rest.repository("shared"));
    try {
      const check = await admin.jobs.create.mutate({
        hostId: checkHostId,
        repositoryId,
        params: { kind: "check" },
      });
      const end = await waitForJobEnd(admin, check.id, 90_000);
      expect(end.state).toBe("failed");
      expect(end.exitCode).toBe(11);
      expect(end.error).toContain(
        `the repository stayed locked by another restic for ${LOCK_WAIT_SECONDS} s`,
      );
    } finally {
      await lock.release();
    }
  });
});
