import type { TJobFinished, TRepositoryAccess } from "@restic-manager/contracts";
import { describe, expect, it } from "vitest";
import { type AgentJob, type ExecutionHooks, type JobReporter, JobRunner } from "../src/runner.js";

const REPO_A: TRepositoryAccess = { url: "rest:http://backup/a", password: "pw", env: {} };
const REPO_B: TRepositoryAccess = { url: "rest:http://backup/b", password: "pw", env: {} };

function job(id: string, repository: TRepositoryAccess | null = REPO_A): AgentJob {
  return { id, params: { kind: "snapshots" }, repository };
}

/** A fake executor: each job runs until the test releases it (or it is aborted). */
function fakeExecutor() {
  const started: string[] = [];
  const releases = new Map<string, () => void>();
  const hooksOf = new Map<string, ExecutionHooks>();
  const execute = (j: AgentJob, hooks: ExecutionHooks) => {
    started.push(j.id);
    hooksOf.set(j.id, hooks);
    return new Promise<{
      outcome: "succeeded" | "failed";
      exitCode: number | null;
      error: string | null;
    }>((resolve) => {
      releases.set(j.id, () => resolve({ outcome: "succeeded", exitCode: 0, error: null }));
      hooks.signal.addEventListener("abort", () =>
        resolve({ outcome: "failed", exitCode: 130, error: "interrupted" }),
      );
    });
  };
  return { execute, started, release: (id: string) => releases.get(id)?.(), hooksOf };
}

function recordingReporter() {
  const finished: TJobFinished[] = [];
  const events: string[] = [];
  const reporter: JobReporter = {
    started: (j) => events.push(`started ${j.id}`),
    progress: (id) => events.push(`progress ${id}`),
    log: (id, line) => events.push(`log ${id} ${line.line}`),
    finished: (result) => {
      finished.push(result);
      events.push(`finished ${result.jobId} ${result.outcome}`);
    },
  };
  return { reporter, finished, events };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("JobRunner with a fake executor", () => {
  it("runs one job per repository at a time, in arrival order, and others in parallel", async () => {
    const fake = fakeExecutor();
    const { reporter, finished } = recordingReporter();
    const runner = new JobRunner(fake.execute, reporter);
    runner.submit(job("a1"));
    runner.submit(job("a2"));
    runner.submit(job("b1", REPO_B));
    await settle();
    expect(fake.started).toEqual(["a1", "b1"]);
    expect(runner.queuedJobs()).toEqual([{ jobId: "a2", kind: "snapshots" }]);

    fake.release("a1");
    await settle();
    expect(fake.started).toEqual(["a1", "b1", "a2"]);
    fake.release("a2");
    fake.release("b1");
    await runner.idle();
    expect(finished.map((f) => [f.jobId, f.outcome])).toEqual([
      ["a1", "succeeded"],
      ["a2", "succeeded"],
      ["b1", "succeeded"],
    ]);
  });

  it("never runs a job id twice, even when the server sends it again", async () => {
    const fake = fakeExecutor();
    const { reporter } = recordingReporter();
    const runner = new JobRunner(fake.execute, reporter, (id) => id === "spooled");
    expect(runner.submit(job("j1"))).toBe(true);
    expect(runner.submit(job("j1"))).toBe(false);
    expect(runner.submit(job("spooled", REPO_B))).toBe(false);
    fake.release("j1");
    await runner.idle();
    expect(runner.submit(job("j1"))).toBe(false);
    expect(fake.started).toEqual(["j1"]);
  });

  it("cancels a queued job without running it, and a running one through its signal", async () => {
    const fake = fakeExecutor();
    const { reporter, finished } = recordingReporter();
    const runner = new JobRunner(fake.execute, reporter);
    runner.submit(job("running"));
    runner.submit(job("waiting"));
    await settle();
    runner.cancel("waiting");
    runner.cancel("running");
    await runner.idle();
    expect(fake.started).toEqual(["running"]);
    expect(finished.map((f) => [f.jobId, f.outcome])).toEqual([
      ["waiting", "cancelled"],
      ["running", "cancelled"],
    ]);
  });

  it("reports progress and log lines as they come, and a crash as a failed result", async () => {
    const { reporter, finished, events } = recordingReporter();
    const runner = new JobRunner(async (j, hooks) => {
      hooks.onLog("agent", "hello");
      hooks.onProgress({
        kind: "backup",
        percentDone: 0.5,
        secondsElapsed: 1,
        secondsRemaining: 1,
        totalFiles: 2,
        filesDone: 1,
        totalBytes: 10,
        bytesDone: 5,
        errorCount: 0,
        currentFiles: [],
      });
      if (j.id === "boom") throw new Error("kaput");
      return { outcome: "succeeded", exitCode: 0, error: null };
    }, reporter);
    runner.submit(job("ok"));
    runner.submit(job("boom", REPO_B));
    await runner.idle();
    expect(events.filter((e) => e.startsWith("log") || e.startsWith("progress"))).toEqual([
      "log ok hello",
      "progress ok",
      "log boom hello",
      "progress boom",
    ]);
    expect(finished.find((f) => f.jobId === "boom")).toMatchObject({
      outcome: "failed",
      error: "agent error: kaput",
    });
  });

  it("gives up on a job that outlives its timeout, and says why", async () => {
    const fake = fakeExecutor();
    const { reporter, finished } = recordingReporter();
    const runner = new JobRunner(fake.execute, reporter);
    runner.submit({ ...job("slow"), timeoutSeconds: 0.05 });
    await runner.idle();
    expect(finished[0]).toMatchObject({
      jobId: "slow",
      outcome: "failed",
      error:
        "gave up after 0.05 s: the repository did not answer in time (is the backend reachable?)",
    });
  });
});
