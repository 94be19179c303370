import { expect } from "vitest";

/** A tRPC subscription read as a browser reads it: server-sent events over fetch. */

export interface StreamedEvent {
  data: string;
  /** What the test saw when the event arrived. */
  seen: unknown;
}

/**
 * Reads a tRPC subscription's server-sent events as a browser would, calling `onEvent` for each
 * as it arrives (its result is kept with it), until `until` says enough or the stream ends.
 */
export async function readStream(input: {
  url: string;
  cookie: string;
  onEvent: (data: string) => Promise<unknown>;
  until: (events: StreamedEvent[]) => boolean;
}): Promise<{ events: StreamedEvent[]; ended: boolean }> {
  const abort = new AbortController();
  const response = await fetch(input.url, {
    headers: { cookie: input.cookie, accept: "text/event-stream" },
    signal: abort.signal,
  });
  expect(response.headers.get("content-type")).toContain("text/event-stream");
  const reader = response.body?.getReader();
  if (!reader) throw new Error("no body");
  const decoder = new TextDecoder();
  const events: StreamedEvent[] = [];
  let buffer = "";
  let ended = false;
  while (!input.until(events)) {
    const { value, done } = await reader.read();
    if (done) {
      ended = true;
      break;
    }
    buffer += decoder.decode(value, { stream: true });
    for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
      const data = /^data: ?(.*)$/m.exec(buffer.slice(0, end))?.[1];
      buffer = buffer.slice(end + 2);
      if (data !== undefined) events.push({ data, seen: await input.onEvent(data) });
    }
  }
  abort.abort();
  return { events, ended };
}

export const subscriptionUrl = (base: string, procedure: string, input: unknown) =>
  `${base}/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`;
