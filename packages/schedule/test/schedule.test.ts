import { describe, expect, it } from "vitest";
import {
  checkSpread,
  cronOf,
  describeTiming,
  dueRun,
  nextRuns,
  ScheduleError,
  spreadOffsetMs,
} from "../src/index.js";

const BERLIN = "Europe/Berlin";
const at = (iso: string) => new Date(iso);
const iso = (dates: Date[]) => dates.map((d) => d.toISOString());
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe("presets and cron to run times (pure: the clock is an argument)", () => {
  it("turns presets into cron expressions and words", () => {
    expect(cronOf({ type: "hourly", minute: 15 })).toBe("15 * * * *");
    expect(cronOf({ type: "daily", time: "02:30" })).toBe("30 2 * * *");
    expect(cronOf({ type: "weekly", days: [5, 1, 1], time: "23:05" })).toBe("5 23 * * 1,5");
    expect(cronOf({ type: "monthly", day: 1, time: "04:00" })).toBe("0 4 1 * *");
    expect(describeTiming({ type: "weekly", days: [5, 1], time: "23:05" })).toBe(
      "Every Monday, Friday at 23:05",
    );
  });

  it("gives the next five runs in the schedule's time zone", () => {
    const runs = nextRuns(
      { timing: { type: "daily", time: "02:30" }, timeZone: "America/New_York", spreadMs: 0 },
      at("2026-06-01T12:00:00Z"),
      5,
    );
    expect(iso(runs)).toEqual([
      "2026-06-02T06:30:00.000Z",
      "2026-06-03T06:30:00.000Z",
      "2026-06-04T06:30:00.000Z",
      "2026-06-05T06:30:00.000Z",
      "2026-06-06T06:30:00.000Z",
    ]);
  });

  it("runs a daily 02:30 exactly once on the spring-forward day and once on the fall-back day", () => {
    const daily = { timing: { type: "daily", time: "02:30" } as const, timeZone: BERLIN };
    const spring = nextRuns({ ...daily, spreadMs: 0 }, at("2026-03-28T12:00:00Z"), 3);
    // 29 March 2026: 02:00 → 03:00 in Berlin; the run that has no 02:30 happens once, at 03:00.
    expect(iso(spring)).toEqual([
      "2026-03-29T01:00:00.000Z",
      "2026-03-30T00:30:00.000Z",
      "2026-03-31T00:30:00.000Z",
    ]);
    const autumn = nextRuns({ ...daily, spreadMs: 0 }, at("2026-10-24T12:00:00Z"), 3);
    // 25 October 2026: 03:00 → 02:00; 02:30 happens twice on the wall clock, the run once.
    expect(iso(autumn)).toEqual([
      "2026-10-25T00:30:00.000Z",
      "2026-10-26T01:30:00.000Z",
      "2026-10-27T01:30:00.000Z",
    ]);
    const onFallBackDay = autumn.filter((run) => run.toISOString().startsWith("2026-10-25"));
    expect(onFallBackDay).toHaveLength(1);
  });

  it("refuses an invalid cron expression and an unknown time zone with the reason", () => {
    const schedule =
      (expression: string, timeZone = BERLIN) =>
      () =>
        nextRuns({ timing: { type: "cron", expression }, timeZone, spreadMs: 0 }, new Date(), 1);
    expect(schedule("61 * * * *")).toThrow(ScheduleError);
    expect(schedule("61 * * * *")).toThrow(/Invalid cron expression: .*minute/);
    expect(schedule("0 3 * * *", "Mars/Olympus_Mons")).toThrow(
      'Unknown time zone "Mars/Olympus_Mons"',
    );
  });
});

describe("spread", () => {
  it("is stable for a host, inside the window, and spreads a fleet over it", () => {
    const offsets = Array.from({ length: 200 }, (_, i) => spreadOffsetMs(`host-${i}`, 120));
    expect(spreadOffsetMs("host-7", 120)).toBe(offsets[7]);
    expect(offsets.every((o) => o >= 0 && o < 120 * 60_000 && o % 1000 === 0)).toBe(true);
    // Not all at once: both halves of the window are used.
    expect(offsets.some((o) => o < 60 * 60_000)).toBe(true);
    expect(offsets.some((o) => o >= 60 * 60_000)).toBe(true);
    expect(spreadOffsetMs("host-7", 0)).toBe(0);
  });

  it("shifts each run by the host's offset", () => {
    const spreadMs = spreadOffsetMs("host-7", 120);
    const [run] = nextRuns(
      { timing: { type: "daily", time: "02:00" }, timeZone: "UTC", spreadMs },
      at("2026-06-01T12:00:00Z"),
      1,
    );
    expect(run?.getTime()).toBe(at("2026-06-02T02:00:00Z").getTime() + spreadMs);
  });

  it("refuses a window not shorter than the interval", () => {
    const hourly = { type: "hourly", minute: 0 } as const;
    expect(() => checkSpread(hourly, "UTC", 59, new Date())).not.toThrow();
    expect(() => checkSpread(hourly, "UTC", 60, new Date())).toThrow(
      /spread window \(60 min\) must be shorter than the time between runs \(60 min\)/,
    );
  });
});

describe("missed slots (a host that slept)", () => {
  const daily = {
    timing: { type: "daily", time: "02:00" } as const,
    timeZone: "UTC",
    spreadMs: 0,
  };

  it("runs nothing before the next slot", () => {
    const decision = dueRun(daily, at("2026-06-01T02:00:00Z"), at("2026-06-01T23:00:00Z"), DAY);
    expect(decision).toEqual({ run: null, missed: [] });
  });

  it("runs a slot that just came due", () => {
    const decision = dueRun(daily, at("2026-06-01T02:00:00Z"), at("2026-06-02T02:00:05Z"), DAY);
    expect(decision.run?.toISOString()).toBe("2026-06-02T02:00:00.000Z");
    expect(decision.missed).toEqual([]);
  });

  it("after five nights asleep runs once, the latest slot, and reports the others missed", () => {
    const decision = dueRun(daily, at("2026-06-01T02:00:00Z"), at("2026-06-06T09:00:00Z"), DAY);
    expect(decision.run?.toISOString()).toBe("2026-06-06T02:00:00.000Z");
    expect(iso(decision.missed)).toEqual([
      "2026-06-02T02:00:00.000Z",
      "2026-06-03T02:00:00.000Z",
      "2026-06-04T02:00:00.000Z",
      "2026-06-05T02:00:00.000Z",
    ]);
    // Having run it, nothing more is due until the next night.
    const after = dueRun(daily, decision.run ?? new Date(0), at("2026-06-06T09:01:00Z"), DAY);
    expect(after).toEqual({ run: null, missed: [] });
  });

  it("does not catch up a slot older than the catch-up window", () => {
    const decision = dueRun(daily, at("2026-06-01T02:00:00Z"), at("2026-06-02T09:00:00Z"), HOUR);
    expect(decision.run).toBeNull();
    expect(iso(decision.missed)).toEqual(["2026-06-02T02:00:00.000Z"]);
  });

  it("keeps what it reports bounded for a per-minute schedule left for a long time", () => {
    const everyMinute = {
      timing: { type: "cron", expression: "* * * * *" } as const,
      timeZone: "UTC",
      spreadMs: 0,
    };
    const decision = dueRun(
      everyMinute,
      at("2026-06-01T00:00:00Z"),
      at("2026-06-01T12:00:30Z"),
      5 * 60_000,
    );
    expect(decision.run?.toISOString()).toBe("2026-06-01T12:00:00.000Z");
    expect(decision.missed.length).toBeLessThanOrEqual(100);
  });
});
