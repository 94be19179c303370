import { describe, expect, it } from "vitest";
import { byteTicks } from "../src/pages/repositories/chartTicks";
import {
  checkState,
  hostsByLastSnapshot,
  repositoryDedup,
  statusLabel,
} from "../src/pages/repositories/health";

describe("repository health figures", () => {
  it("reads the last check as ok, failed or never", () => {
    const at = new Date("2026-11-01T10:00:00Z");
    expect(checkState({ lastCheckAt: null, lastCheckOk: null })).toBe("never");
    expect(checkState({ lastCheckAt: at, lastCheckOk: true })).toBe("ok");
    expect(checkState({ lastCheckAt: at, lastCheckOk: false })).toBe("failed");
  });

  it("shows the dedup ratio only once both sizes are known", () => {
    expect(repositoryDedup({ totalSize: 300, rawSize: 100 })).toBe("3.00×");
    expect(repositoryDedup({ totalSize: null, rawSize: 100 })).toBe("—");
    expect(repositoryDedup({ totalSize: 0, rawSize: 0 })).toBe("—");
  });

  it("lists the most recently backed up host first", () => {
    const hosts = [
      { host: "a", snapshotCount: 1, lastSnapshotAt: "2026-11-01T10:00:00Z" },
      { host: "b", snapshotCount: 2, lastSnapshotAt: "2026-11-03T10:00:00+01:00" },
    ];
    expect(hostsByLastSnapshot(hosts).map((h) => h.host)).toEqual(["b", "a"]);
  });

  it("names a pending repository as setting up", () => {
    expect(statusLabel("pending")).toEqual({ label: "setting up", tone: "warning" });
    expect(statusLabel("ready")).toEqual({ label: "ready", tone: "success" });
  });
});

describe("size chart ticks", () => {
  const MiB = 1024 ** 2;
  it("fall on round numbers of the unit the largest size reads in", () => {
    expect(byteTicks(96 * MiB).map((t) => t / MiB)).toEqual([0, 25, 50, 75, 100]);
    expect(byteTicks(15 * MiB).map((t) => t / MiB)).toEqual([0, 5, 10, 15]);
    expect(byteTicks(1.3 * 1024 * MiB).map((t) => t / MiB)).toEqual([0, 512, 1024, 1536]);
    expect(byteTicks(0)).toEqual([0]);
  });
});
