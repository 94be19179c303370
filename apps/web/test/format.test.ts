import { describe, expect, it } from "vitest";
import {
  formatAge,
  formatBytes,
  formatCountOf,
  formatDuration,
  toPercent,
} from "../src/lib/format";
import { laterState, progressView } from "../src/lib/jobs";

describe("formatting", () => {
  it("writes sizes in binary units with sensible precision", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.50 KiB");
    expect(formatBytes(96 * 1024 * 1024)).toBe("96.0 MiB");
    expect(formatBytes(200 * 1024 ** 3)).toBe("200 GiB");
    expect(formatBytes(null)).toBe("—");
  });

  it("writes durations with their two largest units", () => {
    expect(formatDuration(45)).toBe("45 s");
    expect(formatDuration(192)).toBe("3 min 12 s");
    expect(formatDuration(7500)).toBe("2 h 5 min");
    expect(formatDuration(3600)).toBe("1 h");
    expect(formatDuration(3 * 86_400 + 4 * 3600 + 59)).toBe("3 d 4 h");
    expect(formatDuration(null)).toBe("—");
  });

  it("writes ages compactly", () => {
    const now = Date.parse("2026-01-10T12:00:00Z");
    const ago = (seconds: number) => new Date(now - seconds * 1000);
    expect(formatAge(ago(20), now)).toBe("just now");
    expect(formatAge(ago(12 * 60), now)).toBe("12 min ago");
    expect(formatAge(ago(3 * 3600 + 100), now)).toBe("3 h ago");
    expect(formatAge(ago(5 * 86_400), now)).toBe("5 d ago");
    expect(formatAge(null, now)).toBe("never");
  });

  it("counts with the right noun, and clamps percentages", () => {
    expect(formatCountOf(1, "snapshot")).toBe("1 snapshot");
    expect(formatCountOf(2, "entry", "entries")).toBe("2 entries");
    expect(toPercent(0.374)).toBe(37);
    expect(toPercent(1.2)).toBe(100);
  });
});

describe("job states and progress", () => {
  it("never lets an older state overwrite a newer one", () => {
    expect(laterState("queued", "running")).toBe("running");
    expect(laterState("succeeded", "running")).toBe("succeeded");
    expect(laterState("running", "failed")).toBe("failed");
  });

  it("reads restore progress like backup progress", () => {
    const view = progressView({
      kind: "restore",
      percentDone: 0.5,
      secondsElapsed: 10,
      totalFiles: 10,
      filesRestored: 4,
      filesSkipped: 1,
      filesDeleted: 0,
      totalBytes: 1000,
      bytesRestored: 400,
      bytesSkipped: 100,
    });
    expect(view).toMatchObject({
      fraction: 0.5,
      filesDone: 5,
      bytesDone: 500,
      secondsRemaining: null,
    });
  });
});
