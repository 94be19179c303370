import { describe, expect, it } from "vitest";
import { type JobEvent, JobEventBus } from "../src/jobs/eventBus.js";

const state = (s: "running" | "succeeded"): JobEvent => ({
  type: "state",
  state: s,
  exitCode: null,
  error: null,
  at: new Date(0),
});
const log = (line: string): JobEvent => ({
  type: "log",
  lines: [{ at: new Date(0), stream: "stdout", line }],
});

async function take<T>(iterator: AsyncGenerator<T>, count: number): Promise<T[]> {
  const items: T[] = [];
  while (items.length < count) {
    const next = await iterator.next();
    if (next.done) break;
    items.push(next.value);
  }
  return items;
}

describe("JobEventBus", () => {
  it("delivers live events in order to every watcher", async () => {
    const bus = new JobEventBus();
    const abort = new AbortController();
    const a = bus.watch("j1", undefined, abort.signal);
    const b = bus.watch("j1", undefined, abort.signal);
    const firstA = take(a, 2);
    const firstB = take(b, 2);
    await Promise.resolve();
    bus.publish("j1", state("running"));
    bus.publish("j2", log("other job"));
    bus.publish("j1", log("hello"));
    for (const items of [await firstA, await firstB]) {
      expect(items.map((i) => ("id" in i ? [i.id, i.event.type] : ["gap"]))).toEqual([
        ["1", "state"],
        ["2", "log"],
      ]);
    }
    abort.abort();
  });

  it("resumes after the last event id a watcher saw", async () => {
    const bus = new JobEventBus();
    for (const line of ["a", "b", "c", "d"]) bus.publish("j1", log(line));
    const abort = new AbortController();
    const resumed = await take(bus.watch("j1", "2", abort.signal), 2);
    expect(
      resumed.map((i) => ("id" in i && i.event.type === "log" ? i.event.lines[0]?.line : "gap")),
    ).toEqual(["c", "d"]);
    abort.abort();
  });

  it("says so when the buffer no longer reaches back far enough", async () => {
    const bus = new JobEventBus();
    for (let i = 0; i < 600; i++) bus.publish("j1", log(String(i)));
    const abort = new AbortController();
    const [first, second] = await take(bus.watch("j1", "3", abort.signal), 2);
    expect(first).toEqual({ gap: true });
    expect(second && "id" in second ? second.id : undefined).toBe("101");
    abort.abort();
  });

  it("ends a watch when its signal aborts", async () => {
    const bus = new JobEventBus();
    const abort = new AbortController();
    const watch = bus.watch("j1", undefined, abort.signal);
    const next = watch.next();
    abort.abort();
    expect(await next).toEqual({ done: true, value: undefined });
  });
});
