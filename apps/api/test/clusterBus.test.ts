import { randomUUID } from "node:crypto";
import { waitFor } from "@restic-manager/test-support";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { DEFAULT_CHANNEL, LocalBus, PostgresBus } from "../src/cluster/bus.js";
import {
  type ClusterJobEvent,
  type ClusterMessage,
  type ClusterMessageBody,
  jobEventFromWire,
  jobEventToWire,
  MAX_PAYLOAD_BYTES,
} from "../src/cluster/messages.js";
import { captureLogs, clusterTestBed, startPartitionProxy } from "./support/clusterTest.js";
import { startPostgresCluster } from "./support/postgres.js";

/*
 * The cluster bus over LISTEN/NOTIFY on a real PostgreSQL started for this file. Each test has a
 * database of its own: notifications do not cross databases, so tests cannot hear each other.
 */

const bed = clusterTestBed("bus");
const { cleanups } = bed;
const newDatabase = () => bed.newDatabase();

/** A started bus whose received messages are kept in `received`. */
async function startBus(url: string, replicaId: string, options: { checkMs?: number } = {}) {
  const { logger, lines } = captureLogs();
  const bus = new PostgresBus({
    url,
    replicaId,
    logger,
    reconnect: { minMs: 50, maxMs: 500 },
    ...options,
  });
  await bus.start();
  cleanups.push(() => bus.close());
  const received: ClusterMessage[] = [];
  bus.subscribe((message) => received.push(message));
  return { bus, received, logs: lines };
}

async function rawClient(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => {});
  await client.connect();
  cleanups.push(() => client.end());
  return client;
}

/** Every NOTIFY on the bus's channel as PostgreSQL delivers it, payloads untouched. */
async function rawListener(url: string): Promise<string[]> {
  const client = await rawClient(url);
  const payloads: string[] = [];
  client.on("notification", (notification) => payloads.push(notification.payload ?? ""));
  await client.query(`LISTEN ${DEFAULT_CHANNEL}`);
  return payloads;
}

async function terminate(url: string, applicationName: string): Promise<void> {
  const client = await rawClient(url);
  const { rows } = await client.query<{ done: boolean }>(
    "SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE application_name = $1",
    [applicationName],
  );
  expect(rows.map((row) => row.done)).toEqual([true]);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

describe("PostgresBus", () => {
  it("delivers a message to every other replica with its sender, and never to the sender", async () => {
    const url = await newDatabase();
    const a = await startBus(url, "replica-a");
    const b = await startBus(url, "replica-b");
    const c = await startBus(url, "replica-c");

    await a.bus.publish({ kind: "dispatch", hostId: "host-1" });
    await waitFor(() => b.received.length === 1 && c.received.length === 1, { what: "delivery" });
    expect(b.received).toEqual([{ kind: "dispatch", hostId: "host-1", replicaId: "replica-a" }]);
    expect(c.received).toEqual(b.received);

    // A hears B's marker only after its own earlier message would have arrived.
    await b.bus.publish({ kind: "wake", what: "deliveries" });
    await waitFor(() => a.received.length > 0, { what: "marker at A" });
    expect(a.received).toEqual([{ kind: "wake", what: "deliveries", replicaId: "replica-b" }]);
  });

  it("carries every kind of message, job events with their dates, intact", async () => {
    const url = await newDatabase();
    const a = await startBus(url, "replica-a");
    const b = await startBus(url, "replica-b");
    const at = new Date("2026-03-01T10:20:30.456Z");
    const events: ClusterJobEvent[] = [
      { type: "state", state: "failed", exitCode: 3, error: "repository is locked", at },
      {
        type: "progress",
        progress: {
          kind: "backup",
          percentDone: 0.5,
          secondsElapsed: 12,
          secondsRemaining: null,
          totalFiles: 10,
          filesDone: 5,
          totalBytes: 1000,
          bytesDone: 500,
          errorCount: 0,
          currentFiles: ["/etc/hosts"],
        },
      },
      { type: "log", lines: [{ at, stream: "stderr", line: "ünïcödé ✓" }] },
    ];
    const bodies: ClusterMessageBody[] = [
      { kind: "dispatch", hostId: "h1" },
      { kind: "cancel", hostId: "h1", jobId: "j1" },
      ...events.map(
        (event): ClusterMessageBody => ({
          kind: "job-event",
          jobId: "j1",
          event: jobEventToWire(event),
        }),
      ),
      { kind: "host-online", hostIds: ["h1", "h2"] },
      { kind: "host-offline", hostIds: ["h2"] },
      { kind: "replica-alive" },
      { kind: "presence-sync" },
      { kind: "wake", what: "schedules" },
      {
        kind: "fleet-event",
        event: { type: "alerts", at: at.toISOString(), nested: [1, null, true] },
      },
    ];
    for (const body of bodies) await a.bus.publish(body);

    await waitFor(() => b.received.length === bodies.length, { what: "all kinds" });
    expect(b.received).toEqual(bodies.map((body) => ({ ...body, replicaId: "replica-a" })));
    const decoded = b.received.flatMap((message) =>
      message.kind === "job-event" ? [jobEventFromWire(message.event)] : [],
    );
    expect(decoded).toEqual(events);
  });

  it("drops and logs a payload that is not a message, and goes on with the next ones", async () => {
    const url = await newDatabase();
    const b = await startBus(url, "replica-b");
    const failing: string[] = [];
    b.bus.subscribe((message) => {
      failing.push(message.kind);
      throw new Error("listener broke");
    });
    const raw = await rawClient(url);
    const send = (payload: string) =>
      raw.query("SELECT pg_notify($1, $2)", [DEFAULT_CHANNEL, payload]);

    await send("not json");
    await send(JSON.stringify({ r: "replica-x", s: 1, m: { kind: "no-such-kind" } }));
    await send(JSON.stringify({ r: "replica-x", s: 2, m: { kind: "dispatch" } }));
    await send(JSON.stringify({ r: "replica-x", s: 3, m: { kind: "dispatch", hostId: "h9" } }));
    await send(JSON.stringify({ r: "replica-x", s: 4, m: { kind: "presence-sync" } }));

    await waitFor(() => b.received.length === 2, { what: "the valid messages" });
    expect(b.received.map((message) => message.kind)).toEqual(["dispatch", "presence-sync"]);
    // A listener that throws neither stops the others nor later messages.
    expect(failing).toEqual(["dispatch", "presence-sync"]);
    const events = b.logs.map((line) => line.event);
    // Counted each, logged once (then at most once a minute).
    expect(b.bus.invalidMessages).toBe(3);
    expect(events.filter((event) => event === "cluster.message_invalid")).toHaveLength(1);
    expect(events.filter((event) => event === "cluster.listener_failed")).toHaveLength(2);
  });

  it("uses PostgreSQL's payload limit: one byte under 8000 is sent, 8000 is refused", async () => {
    const url = await newDatabase();
    const raw = await rawClient(url);
    await raw.query("SELECT pg_notify('limit_probe', $1)", ["x".repeat(MAX_PAYLOAD_BYTES)]);
    await expect(
      raw.query("SELECT pg_notify('limit_probe', $1)", ["x".repeat(MAX_PAYLOAD_BYTES + 1)]),
    ).rejects.toThrow(/payload string too long/);
  });

  it("splits 1,000 host ids over several payloads that each fit, and they all arrive", async () => {
    const url = await newDatabase();
    const a = await startBus(url, "replica-a");
    const b = await startBus(url, "replica-b");
    const payloads = await rawListener(url);
    const hostIds = Array.from({ length: 1000 }, () => randomUUID());

    await a.bus.publish({ kind: "host-online", hostIds });

    await waitFor(
      () => b.received.flatMap((m) => (m.kind === "host-online" ? m.hostIds : [])).length === 1000,
      { what: "all host ids" },
    );
    const arrived = b.received.flatMap((m) => (m.kind === "host-online" ? m.hostIds : []));
    expect(arrived).toEqual(hostIds);
    await waitFor(() => payloads.length === b.received.length, { what: "raw payloads" });
    expect(payloads.length).toBeGreaterThan(4); // 1,000 × 39 bytes of ids need at least 5
    for (const payload of payloads) {
      expect(Buffer.byteLength(payload)).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    }
  });

  it("sends a large log batch in several messages and drops, with a log line, a line that cannot fit", async () => {
    const url = await newDatabase();
    const a = await startBus(url, "replica-a");
    const b = await startBus(url, "replica-b");
    const at = new Date();
    const lines = Array.from({ length: 12 }, (_, i) => ({
      at,
      stream: "stdout" as const,
      line: `${i}:${"é".repeat(1500)}`, // 3 kB each in UTF-8
    }));
    await a.bus.publish({
      kind: "job-event",
      jobId: "j1",
      event: jobEventToWire({ type: "log", lines }),
    });
    await waitFor(() => b.received.length >= 5, { what: "the split batch" });
    const got = b.received.flatMap((m) =>
      m.kind === "job-event" && m.event.type === "log" ? jobEventFromWire(m.event) : [],
    );
    expect(got.flatMap((event) => (event.type === "log" ? event.lines : []))).toEqual(lines);

    const huge = { at, stream: "stdout" as const, line: "✓".repeat(3000) }; // 9 kB
    const { logs } = a;
    await a.bus.publish({
      kind: "job-event",
      jobId: "j2",
      event: jobEventToWire({ type: "log", lines: [huge] }),
    });
    await a.bus.publish({ kind: "dispatch", hostId: "after" });
    await waitFor(() => b.received.some((m) => m.kind === "dispatch"), { what: "next message" });
    expect(b.received.filter((m) => m.kind === "job-event" && m.jobId === "j2")).toEqual([]);
    expect(logs.some((line) => line.event === "cluster.message_too_large")).toBe(true);
  });

  it("keeps one sender's messages in order when thousands are published at once", async () => {
    const url = await newDatabase();
    const a = await startBus(url, "replica-a");
    const b = await startBus(url, "replica-b");
    const sent = Array.from({ length: 2000 }, (_, i) => `host-${i}`);
    await Promise.all(sent.map((hostId) => a.bus.publish({ kind: "dispatch", hostId })));
    await waitFor(() => b.received.length === sent.length, { what: "2,000 messages" });
    expect(b.received.map((m) => (m.kind === "dispatch" ? m.hostId : m.kind))).toEqual(sent);
  });

  it("makes its LISTEN connection again after PostgreSQL ends it, says so, and hears again", async () => {
    const url = await newDatabase();
    const a = await startBus(url, "replica-a");
    const b = await startBus(url, "replica-b");
    let reconnected = 0;
    b.bus.onReconnected(() => {
      reconnected += 1;
    });

    await terminate(url, "restic-manager:replica-b:listen");
    await waitFor(() => reconnected === 1, { what: "onReconnected" });
    expect(b.bus.listening).toBe(true);
    expect(b.logs.some((line) => line.event === "cluster.listen_lost")).toBe(true);

    await a.bus.publish({ kind: "dispatch", hostId: "after-reconnect" });
    await waitFor(() => b.received.length === 1, { what: "delivery after reconnect" });
    expect(b.received[0]).toMatchObject({ hostId: "after-reconnect" });
  });

  it("finds a LISTEN connection cut off without an error by its check, and makes it again", async () => {
    const url = await newDatabase();
    const proxy = await startPartitionProxy(bed.cluster().port);
    cleanups.push(() => proxy.close());
    const a = await startBus(url, "replica-a");
    const b = await startBus(proxy.url(new URL(url).pathname.slice(1)), "replica-b", {
      checkMs: 300,
    });
    let reconnected = 0;
    b.bus.onReconnected(() => {
      reconnected += 1;
    });

    proxy.cut();
    await waitFor(() => !b.bus.listening, { what: "the check to fail" });
    expect(b.logs.some((line) => line.event === "cluster.listen_lost")).toBe(true);
    // PostgreSQL itself ends the session that stopped answering (idle for three checks), so it
    // does not hold back the notification queue.
    const raw = await rawClient(url);
    const listenSessions = async () =>
      (
        await raw.query(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1",
          ["restic-manager:replica-b:listen"],
        )
      ).rows[0]?.n;
    await waitFor(async () => (await listenSessions()) === 0, { what: "the session ended" });

    proxy.heal();
    await waitFor(() => reconnected === 1, { what: "onReconnected" });
    expect(await listenSessions()).toBe(1);
    await a.bus.publish({ kind: "dispatch", hostId: "after-the-cut" });
    await waitFor(() => b.received.length === 1, { what: "delivery after the cut" });
  });

  it("makes a new sending connection after PostgreSQL ended the old one", async () => {
    const url = await newDatabase();
    const a = await startBus(url, "replica-a");
    const b = await startBus(url, "replica-b");
    await a.bus.publish({ kind: "dispatch", hostId: "before" });
    await waitFor(() => b.received.length === 1, { what: "first delivery" });

    await terminate(url, "restic-manager:replica-a:notify");
    // A message sent while the loss is not noticed yet may be dropped (and logged): the
    // database, not the bus, is the record. Later ones go out on a new connection.
    await waitFor(
      async () => {
        await a.bus.publish({ kind: "dispatch", hostId: "after" });
        return b.received.some((m) => m.kind === "dispatch" && m.hostId === "after");
      },
      { what: "delivery on a new connection", intervalMs: 100 },
    );
  });

  it("keeps trying quietly while PostgreSQL is gone and closes cleanly", async () => {
    const own = await startPostgresCluster();
    try {
      const url = await own.createDatabase("gone");
      const { logger, lines } = captureLogs();
      const bus = new PostgresBus({
        url,
        replicaId: "replica-a",
        logger,
        reconnect: { minMs: 20, maxMs: 100 },
      });
      await bus.start();
      await bus.publish({ kind: "replica-alive" });
      await own.stop();
      await waitFor(() => !bus.listening, { what: "the lost LISTEN" });
      // Publishing while PostgreSQL is gone resolves: the message is logged and dropped.
      await bus.publish({ kind: "dispatch", hostId: "h1" });
      await waitFor(
        () => lines.filter((line) => line.event === "cluster.listen_retry_failed").length >= 2,
        { what: "retries" },
      );
      expect(lines.some((line) => line.event === "cluster.publish_failed")).toBe(true);
      // Messages are hints: past a bound, what cannot go out is dropped, not kept in memory.
      await Promise.all(
        Array.from({ length: 20_000 }, (_, i) => bus.publish({ kind: "dispatch", hostId: `${i}` })),
      );
      expect(lines.filter((line) => line.event === "cluster.publish_backlog_full")).toHaveLength(1);
      await bus.close();
      expect(bus.listening).toBe(false);
    } finally {
      await own.stop();
    }
  });

  it("measures NOTIFY-to-listener latency on loopback", async () => {
    const url = await newDatabase();
    const a = await startBus(url, "replica-a");
    const b = await startBus(url, "replica-b");
    const arrivedAt = new Map<string, number>();
    b.bus.subscribe((m) => {
      if (m.kind === "dispatch") arrivedAt.set(m.hostId, performance.now());
    });

    // One at a time: each message waits for the previous one to arrive.
    const single: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const hostId = `one-${i}`;
      const start = performance.now();
      await a.bus.publish({ kind: "dispatch", hostId });
      const end = await waitFor(() => arrivedAt.get(hostId), { intervalMs: 0 });
      single.push(end - start);
    }
    // A burst: 1,000 published at once, each measured from its own publish call.
    const startedAt = new Map<string, number>();
    await Promise.all(
      Array.from({ length: 1000 }, (_, i) => {
        const hostId = `burst-${i}`;
        startedAt.set(hostId, performance.now());
        return a.bus.publish({ kind: "dispatch", hostId });
      }),
    );
    await waitFor(() => [...startedAt.keys()].every((id) => arrivedAt.has(id)), {
      what: "the burst",
    });
    const burst = [...startedAt].map(([id, start]) => (arrivedAt.get(id) ?? NaN) - start);

    const report = (values: number[]) => {
      const sorted = [...values].sort((x, y) => x - y);
      return `p50 ${percentile(sorted, 50).toFixed(2)} ms, p99 ${percentile(sorted, 99).toFixed(2)} ms, max ${(sorted.at(-1) ?? NaN).toFixed(2)} ms`;
    };
    console.log(`NOTIFY → listener, one at a time (1,000): ${report(single)}`);
    console.log(`NOTIFY → listener, burst of 1,000: ${report(burst)}`);
    expect(single).toHaveLength(1000);
    expect(burst.every(Number.isFinite)).toBe(true);
  });
});

describe("LocalBus", () => {
  it("is a single process: publishing resolves and nobody hears it", async () => {
    const bus = new LocalBus("only");
    const received: ClusterMessage[] = [];
    bus.subscribe((message) => received.push(message));
    await bus.publish({ kind: "dispatch", hostId: "h1" });
    expect(received).toEqual([]);
    expect(bus.listening).toBe(true);
    await bus.close();
  });
});
