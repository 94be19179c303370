import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { generateTree, waitFor } from "@restic-manager/test-support";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { AgentProcess } from "./support/agents.js";
import { agentAt, type FaultWorld, startFaultWorld } from "./support/faultWorld.js";
import { type StateDirFault, startAgentWithFaultyStateDir } from "./support/faultyStateDir.js";
import { randomTree, resultOf, startSlowBackup, waitForJobEnd } from "./support/jobs.js";
import { snapshotsOfPaths } from "./support/resticCli.js";
import { type Client, createWorld, type World } from "./support/world.js";

const PASSWORD = "repository password for the state directory drill";

/**
 * Fault drill: the agent's state directory read-only or full (real EROFS and ENOSPC, in a
 * mount namespace of the agent's own), with the real server, agent, restic and rest-server.
 * The spool cannot keep the job's result, so the agent must report it live and say so, and
 * keep running. (spool.test.ts covers what the spool keeps when it can write.)
 */
/** The job's log holds the agent's word that it could not spool the result, and why. */
function expectToSayNotSpooled(
  job: { logs: Array<{ stream: string; line: string }> },
  why: RegExp,
) {
  const said = job.logs.filter((l) => l.stream === "agent").map((l) => l.line);
  const line = said.find((l) => l.startsWith("could not spool the result"));
  expect(line, said.join("\n")).toMatch(why);
}

/** Whether the agent's own log says it could not spool the result of `jobId`. */
function resultNotSpooled(agentOutput: string, jobId: string): boolean {
  // Complete lines only: the last one may still be arriving.
  return agentOutput
    .split("\n")
    .slice(0, -1)
    .some((text) => {
      let line: { event?: string; jobId?: string; consequence?: string } | null;
      try {
        line = JSON.parse(text);
      } catch {
        return false; // not one of the agent's log lines
      }
      return (
        line?.event === "spool.failed" &&
        line.jobId === jobId &&
        (line.consequence ?? "").startsWith("could not spool the result")
      );
    });
}

describe("fault drill: the agent's state directory read-only or full", () => {
  let world: World;
  let drill: FaultWorld;
  let admin: Client;
  let agent: AgentProcess | undefined;
  let configFile: string;
  let hostId: string;
  let repositoryId: string;

  beforeAll(async () => {
    world = await createWorld();
    await world.addUser("admin", "admin");
    admin = await world.signIn("admin");
    drill = await startFaultWorld(
      { url: world.server.url, admin, close: () => world.close() },
      {
        password: PASSWORD,
      },
    );
    // A first, healthy run leaves the state directory as a running agent has it.
    const { agent: healthy } = agentAt(drill, 0);
    ({ hostId } = agentAt(drill, 0));
    configFile = healthy.configFile;
    repositoryId = drill.repositoryId;
    await healthy.stop();
    await waitFor(async () => !(await admin.hosts.get.query({ id: hostId })).online || undefined, {
      what: "the agent to go offline",
    });
  });

  afterEach(async () => {
    await agent?.stop("SIGKILL");
    agent = undefined;
  });

  afterAll(async () => {
    await (drill ? drill.close() : world?.close());
  });

  const FAULTS: Array<[StateDirFault, RegExp]> = [
    ["read-only", /EROFS|read-only file system/],
    ["full", /ENOSPC|no space left on device/],
  ];

  it.each(FAULTS)(
    "%s: the agent keeps running, reports each result live or from memory after a reconnect, and says it could not spool it",
    { timeout: 90_000 },
    async (fault, reason) => {
      const { stateDir } = JSON.parse(readFileSync(configFile, "utf8")) as { stateDir: string };
      const running = startAgentWithFaultyStateDir(configFile, stateDir, fault);
      agent = running;
      await waitFor(
        async () => {
          if (running.child.exitCode !== null) {
            throw new Error(`the agent exited ${running.child.exitCode}:\n${running.output()}`);
          }
          return (await admin.hosts.get.query({ id: hostId })).online || undefined;
        },
        { timeoutMs: 30_000, what: "the agent to come online" },
      );
      const tree = mkdtempSync(path.join(tmpdir(), "rm-tree-"));
      await generateTree(tree);
      const { id } = await admin.jobs.create.mutate({
        hostId,
        repositoryId,
        params: { kind: "backup", paths: [tree] },
      });
      const job = await waitForJobEnd(admin, id, 60_000);
      expect(job.state, `${job.error ?? ""}\n${running.output()}`).toBe("succeeded");
      const snapshotId = resultOf(job, "backup").snapshotId;
      const inRestic = await snapshotsOfPaths(drill.resticRepository(), PASSWORD, [tree]);
      expect(inRestic.map((s) => s.id)).toEqual([snapshotId]);

      expectToSayNotSpooled(job, reason);

      // The server away when the next backup ends: its result waits in the agent's memory and
      // is delivered once the link is back.
      const slow = randomTree(2);
      const slowId = await startSlowBackup(admin, {
        hostId,
        repositoryId,
        paths: [slow],
        limitUpload: 512,
      });
      await world.restart(async () => {
        await waitFor(() => resultNotSpooled(running.output(), slowId), {
          timeoutMs: 30_000,
          what: "the backup to end while the server is away",
        });
      });
      admin = await world.signIn("admin");
      const held = await waitForJobEnd(admin, slowId, 60_000);
      expect(held.state, held.error ?? "").toBe("succeeded");
      expectToSayNotSpooled(held, reason);
      const slowInRestic = await snapshotsOfPaths(drill.resticRepository(), PASSWORD, [slow]);
      expect(slowInRestic.map((s) => s.id)).toEqual([resultOf(held, "backup").snapshotId]);

      expect(running.child.exitCode).toBeNull();
      expect((await admin.hosts.get.query({ id: hostId })).online).toBe(true);
    },
  );
});
