import type { TBackupProgress } from "@restic-manager/contracts";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { backup, createThrottle } from "../src/index.js";
import { fakeRunner, scriptedRunner } from "./support/runners.js";

const status = (percent: number) =>
  `${JSON.stringify({ message_type: "status", percent_done: percent, total_files: 100, files_done: Math.round(percent * 100) })}\n`;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("progress throttle with a fake clock", () => {
  it("delivers the first value at once and then at most one per interval", async () => {
    const seen: number[] = [];
    const throttle = createThrottle<number>((value) => seen.push(value), 250);
    throttle.push(1);
    expect(seen).toEqual([1]);
    for (let i = 2; i <= 10; i += 1) {
      await vi.advanceTimersByTimeAsync(20);
      throttle.push(i);
    }
    // 180 ms after the first delivery: the others wait
    expect(seen).toEqual([1]);
    await vi.advanceTimersByTimeAsync(70);
    // the latest value, not each one
    expect(seen).toEqual([1, 10]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(seen).toEqual([1, 10]);
  });

  it("flush delivers the pending value immediately; cancel drops it", () => {
    const seen: number[] = [];
    const throttle = createThrottle<number>((value) => seen.push(value), 250);
    throttle.push(1);
    throttle.push(2);
    throttle.flush();
    expect(seen).toEqual([1, 2]);
    throttle.flush();
    expect(seen).toEqual([1, 2]);
    throttle.push(3);
    throttle.cancel();
    vi.advanceTimersByTime(1000);
    expect(seen).toEqual([1, 2]);
  });

  it("a throwing observer does not break the throttle", async () => {
    let calls = 0;
    const throttle = createThrottle<number>(() => {
      calls += 1;
      throw new Error("observer failed");
    }, 100);
    throttle.push(1);
    throttle.push(2);
    await vi.advanceTimersByTimeAsync(100);
    expect(calls).toBe(2);
  });
});

describe("backup progress with a fake runner and a fake clock", () => {
  it("calls back at most 4 times a second and always delivers the final status", async () => {
    const seen: TBackupProgress[] = [];
    const deliveredAt: number[] = [];
    const { runner, processes } = fakeRunner();
    const running = backup(
      { repository: { url: "/r", password: "p" }, runner, inheritEnv: {} },
      { paths: ["/d"] },
      {
        onProgress: (p) => {
          seen.push(p);
          deliveredAt.push(Date.now());
        },
      },
    );
    const process = processes[0];
    if (!process) throw new Error("restic was not started");
    // restic prints 60 status lines a second; two seconds of them
    for (let i = 1; i <= 120; i += 1) {
      process.writeStdout(status(i / 120));
      await vi.advanceTimersByTimeAsync(1000 / 60);
    }
    process.writeStdout(
      `${JSON.stringify({
        message_type: "summary",
        files_new: 100,
        files_changed: 0,
        files_unmodified: 0,
        dirs_new: 1,
        dirs_changed: 0,
        dirs_unmodified: 0,
        data_blobs: 100,
        tree_blobs: 1,
        data_added: 1,
        total_files_processed: 100,
        total_bytes_processed: 1,
        snapshot_id: "9".repeat(64),
      })}\n`,
    );
    process.exit({ code: 0, signal: null });
    await running;
    // ≤ 4 per second over two seconds, plus the first one delivered at once
    expect(seen.length).toBeLessThanOrEqual(9);
    expect(seen.length).toBeGreaterThanOrEqual(7);
    expect(seen.at(-1)).toMatchObject({ percentDone: 1, filesDone: 100 });
    const gaps = deliveredAt.slice(1, -1).map((at, index) => at - (deliveredAt[index] ?? 0));
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(250);
  });

  it("asks restic for no more status lines than progress delivers, with a fake runner", async () => {
    const started = (options: { progressIntervalMs?: number; progressFps?: number }) => {
      const { runner, processes } = scriptedRunner({ stdout: [], exitCode: 1 });
      const run = backup(
        { repository: { url: "/r", password: "p" }, runner, inheritEnv: {}, ...options },
        { paths: ["/d"] },
      );
      return run.then(
        () => processes[0]?.spec.env,
        () => processes[0]?.spec.env,
      );
    };
    expect((await started({}))?.RESTIC_PROGRESS_FPS).toBe("4");
    expect((await started({ progressIntervalMs: 1000 }))?.RESTIC_PROGRESS_FPS).toBe("1");
    // Set outright, the setting wins.
    expect((await started({ progressFps: 10 }))?.RESTIC_PROGRESS_FPS).toBe("10");
  });
});
