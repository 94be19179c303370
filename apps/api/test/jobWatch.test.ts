import { waitFor } from "@restic-manager/test-support";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createWorld, jarOf, type World } from "./support/world.js";

interface SseEvent {
  id: string | undefined;
  data: string;
}

/** Reads server-sent events from a tRPC subscription over plain HTTP, as a browser would. */
async function readEvents(
  url: string,
  cookie: string,
  count: number,
  headers: Record<string, string> = {},
) {
  const abort = new AbortController();
  const response = await fetch(url, {
    headers: { cookie, accept: "text/event-stream", ...headers },
    signal: abort.signal,
  });
  expect(response.headers.get("content-type")).toContain("text/event-stream");
  const reader = response.body?.getReader();
  if (!reader) throw new Error("no body");
  const decoder = new TextDecoder();
  const events: SseEvent[] = [];
  let buffer = "";
  while (events.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end = buffer.indexOf("\n\n");
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const id = /^id: ?(.*)$/m.exec(block)?.[1];
      const data = /^data: ?(.*)$/m.exec(block)?.[1];
      if (data !== undefined && id !== undefined) events.push({ id, data });
      end = buffer.indexOf("\n\n");
    }
  }
  abort.abort();
  return events;
}

describe("jobs.watch over server-sent events", () => {
  let world: World;
  beforeEach(async () => {
    world = await createWorld();
    await world.addUser("viewer", "viewer");
  });
  afterEach(() => world.close());

  it("streams a job's events to a signed-in browser and resumes from Last-Event-ID", async () => {
    const browser = await world.signIn("viewer");
    const cookie = jarOf(browser).cookie ?? "";
    const input = encodeURIComponent(JSON.stringify({ json: { id: "job1" } }));
    const url = `${world.server.url}/trpc/jobs.watch?input=${input}`;
    const bus = world.server.deps.jobEvents;
    const lines = (text: string) => ({
      type: "log" as const,
      lines: [{ at: new Date(), stream: "stdout" as const, line: text }],
    });
    const live = readEvents(url, cookie, 2);
    await waitFor(() => bus.watcherCount("job1") === 1, { what: "the stream to open" });
    bus.publish("job1", lines("first"));
    bus.publish("job1", lines("second"));
    const received = await live;
    expect(received.map((e) => e.id)).toEqual(["1", "2"]);
    expect(received[1]?.data).toContain("second");

    bus.publish("job1", lines("third"));
    const resumed = await readEvents(url, cookie, 1, { "last-event-id": "2" });
    expect(resumed.map((e) => e.id)).toEqual(["3"]);
    expect(resumed[0]?.data).toContain("third");
  });

  it("refuses a browser that is not signed in", async () => {
    const input = encodeURIComponent(JSON.stringify({ json: { id: "job1" } }));
    const response = await fetch(`${world.server.url}/trpc/jobs.watch?input=${input}`, {
      headers: { accept: "text/event-stream" },
    });
    // Errors of a subscription travel inside the event stream.
    const text = await response.text();
    expect(text).toContain("UNAUTHORIZED");
    expect(world.server.deps.jobEvents.watcherCount("job1")).toBe(0);
  });
});
