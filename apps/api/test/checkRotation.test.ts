import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type RestServer, startRestServer, waitFor } from "@restic-manager/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentProcess, enrollAgent, startAgent } from "./support/agents.js";
import { resultOf, waitForJobEnd } from "./support/jobs.js";
import {
  type ResticTarget,
  resticCli,
  type ScheduledJob,
  waitForScheduledRuns,
} from "./support/schedules.js";
import { type Client, createWorld, type World } from "./support/world.js";

const PASSWORD = "repository password for the check rotation test";
const PARTS = 3;

/** restic 0.18's text report of a subset read (its JSON output leaves the line out). */
const READ_GROUP =
  /^read group #(\d+) of (\d+) data packs \(out of total (\d+) packs in (\d+) groups\)$/m;

/** The restic command line the agent logged for a check job. */
function checkCommandOf(job: { logs: Array<{ stream: string; line: string }> }): string[] {
  const line = job.logs.find((l) => l.stream === "agent" && / check /.test(l.line))?.line;
  if (!line) throw new Error(`no restic command in the log: ${JSON.stringify(job.logs)}`);
  return line.split(" ");
}

/** The part a scheduled check run was asked to read, as stored with the run: `n/N`. */
function subsetOf(run: ScheduledJob): string | undefined {
  return (JSON.parse(run.params) as { readDataSubset?: string }).readDataSubset;
}

/**
 * Rotating data checks with the real parts: a maintenance agent fires a check schedule from
 * its own clock, each run reading the next of N parts of the data (`--read-data-subset n/N`),
 * and the server says when every part was last read.
 */
describe("a check schedule reading the data in parts", () => {
  let world: World;
  let admin: Client;
  let rest: RestServer;
  let agent: AgentProcess;
  let hostId: string;
  let repositoryId: string;
  let target: ResticTarget;
  let runs: ScheduledJob[];

  beforeAll(async () => {
    world = await createWorld();
    await world.addUser("admin", "admin");
    admin = await world.signIn("admin");
    rest = await startRestServer(mkdtempSync(path.join(tmpdir(), "rm-rest-")));
    target = { repository: rest.repository("checked"), password: PASSWORD };
    agent = startAgent(await enrollAgent(admin, world.server.url));
    hostId = (
      await waitFor(async () => (await admin.hosts.list.query()).items.find((h) => h.online), {
        timeoutMs: 30_000,
        what: "the agent",
      })
    ).id;
    const { repository, setupJobId } = await admin.repositories.create.mutate({
      name: "checked",
      url: target.repository,
      password: PASSWORD,
      maintenance: { url: target.repository, hostId },
      setup: { mode: "init", hostId },
    });
    repositoryId = repository.id;
    expect((await waitForJobEnd(admin, setupJobId)).state).toBe("succeeded");
    // Random contents, one backup each: a pack or two per backup, spread over the parts.
    for (let i = 0; i < 6; i++) {
      await resticCli(
        target,
        ["backup", "--quiet", "--stdin", `--stdin-filename=part-${i}.bin`],
        randomBytes(96 * 1024).toString("base64"),
      );
    }
  });

  afterAll(async () => {
    await agent?.stop();
    await rest?.stop();
    await world?.close();
  });

  it("reads parts 1/3, 2/3, 3/3 and then 1/3 again, one scheduled run after another", async () => {
    const schedule = await admin.schedules.create.mutate({
      kind: "check",
      repositoryId,
      timing: { type: "cron", expression: "*/4 * * * * *" },
      options: { readDataParts: PARTS },
      overlap: "skip",
    });
    expect(schedule).toMatchObject({ hostId, problem: null });
    await waitForScheduledRuns(world, schedule.id, PARTS);
    await waitForScheduledRuns(world, schedule.id, PARTS + 1);
    await admin.schedules.setPaused.mutate({ id: schedule.id, paused: true });
    // A run that fired before the pause reached the agent ends too.
    const fired = (await waitForScheduledRuns(world, schedule.id, 0)).length;
    runs = await waitForScheduledRuns(world, schedule.id, fired);

    const firstFour = runs.slice(0, PARTS + 1);
    expect(firstFour.map((run) => run.state)).toEqual(Array(PARTS + 1).fill("succeeded"));
    expect(firstFour.map(subsetOf)).toEqual(["1/3", "2/3", "3/3", "1/3"]);
    // One run per slot, in the order of the slots.
    const slots = firstFour.map((run) => run.scheduledFor?.getTime() ?? 0);
    expect(slots).toEqual([...slots].sort((a, b) => a - b));
    expect(new Set(slots).size).toBe(slots.length);
    for (const slot of slots) expect(slot % 4000).toBe(0);
  });

  it("gave restic the part to read, and restic read that part: together, every pack", async () => {
    const packs = (await resticCli(target, ["list", "packs"])).trim().split("\n");
    const read: number[] = [];
    for (const [index, run] of runs.slice(0, PARTS + 1).entries()) {
      const part = (index % PARTS) + 1;
      const job = await admin.jobs.get.query({ id: run.id });
      expect(job).toMatchObject({ kind: "check", hostId, endpoint: "maintenance" });
      expect(resultOf(job, "check")).toMatchObject({ ok: true, numErrors: 0 });
      const command = checkCommandOf(job);
      expect(command).toEqual(
        expect.arrayContaining(["restic", "check", "--json", `--read-data-subset=${part}/3`]),
      );
      // The same arguments without JSON: restic then says which group it read, and how much.
      const args = command.filter(
        (arg) => arg !== "restic" && arg !== "--json" && !/^--(retry-lock|cache-dir)=/.test(arg),
      );
      const report = READ_GROUP.exec(await resticCli(target, args));
      expect(report?.slice(1)).toEqual([
        String(part),
        expect.stringMatching(/^\d+$/),
        String(packs.length),
        String(PARTS),
      ]);
      if (index < PARTS) read.push(Number(report?.[2]));
    }
    expect(read.reduce((sum, count) => sum + count, 0)).toBe(packs.length);
  });

  it("check coverage says every part was read, and since when", async () => {
    const [coverage, ...others] = await admin.schedules.checkCoverage.query({ repositoryId });
    expect(others).toEqual([]);
    expect(coverage).toMatchObject({ parts: PARTS, unread: [], paused: true });
    // Each part's latest successful read: the fourth run read part 1 again.
    const latest = new Map<string | undefined, ScheduledJob>();
    for (const run of runs) if (run.state === "succeeded") latest.set(subsetOf(run), run);
    expect(latest.get("1/3")?.id).not.toBe(runs[0]?.id);
    expect(coverage?.partsRead.map((read) => [read.part, read.jobId])).toEqual(
      [1, 2, 3].map((part) => [part, latest.get(`${part}/3`)?.id]),
    );
    const ends = await Promise.all(
      [...latest.values()].map(
        async (run) => (await admin.jobs.get.query({ id: run.id })).finishedAt,
      ),
    );
    const oldest = Math.min(...ends.map((end) => end?.getTime() ?? Number.NaN));
    expect(coverage?.allDataReadSince?.getTime()).toBe(oldest);
  });
});
