import { createTRPCClient, createWSClient, wsLink } from "@trpc/client";
import superjson from "superjson";
import { WebSocket } from "ws";
import type { BareRouter } from "./bareServer.js";
import { SENT_AT } from "./fakeRestic.js";

export interface Watcher {
  /** Progress events received. */
  events: number;
  /** Agent send → watcher receive, per event, in ms. */
  latencies: number[];
  close(): void;
}

function recordSample(watcher: Watcher, text: string): void {
  const sentAt = SENT_AT.exec(text)?.[1];
  if (!sentAt) return;
  watcher.events++;
  watcher.latencies.push(Date.now() - Number(sentAt));
}

/**
 * A browser watching a job: `jobs.watch` as server-sent events over HTTP (what the web app's
 * httpSubscriptionLink does), authenticated by an API token. Resolves once the stream is open.
 */
export async function watchOverSse(url: string, token: string, jobId: string): Promise<Watcher> {
  const abort = new AbortController();
  const input = encodeURIComponent(JSON.stringify({ json: { id: jobId } }));
  const response = await fetch(`${url}/trpc/jobs.watch?input=${input}`, {
    headers: { authorization: `Bearer ${token}`, accept: "text/event-stream" },
    signal: abort.signal,
  });
  const reader = response.body?.getReader();
  if (!response.ok || !reader) throw new Error(`jobs.watch answered ${response.status}`);
  const watcher: Watcher = { events: 0, latencies: [], close: () => abort.abort() };
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let end = buffer.indexOf("\n\n");
        while (end >= 0) {
          recordSample(watcher, buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf("\n\n");
        }
      }
    } catch {
      // closed
    }
  })();
  return watcher;
}

/** A watcher of the bare server: the same subscription over its WebSocket. */
export async function watchOverBareSocket(socketUrl: string, jobId: string): Promise<Watcher> {
  const wsClient = createWSClient({
    url: socketUrl,
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    connectionParams: () => ({ credential: "watcher", hello: "{}" }),
  });
  const trpc = createTRPCClient<BareRouter>({
    links: [wsLink({ client: wsClient, transformer: superjson })],
  });
  const watcher: Watcher = { events: 0, latencies: [], close: () => undefined };
  await new Promise<void>((resolve, reject) => {
    const subscription = trpc.watch.subscribe(
      { id: jobId },
      {
        onStarted: () => resolve(),
        onData: (event) => recordSample(watcher, JSON.stringify(event)),
        onError: reject,
      },
    );
    watcher.close = () => {
      subscription.unsubscribe();
      void wsClient.close();
    };
  });
  return watcher;
}
