import { randomUUID } from "node:crypto";
import { waitFor } from "@restic-manager/test-support";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { type ClusterBus, DEFAULT_CHANNEL, PostgresBus } from "../src/cluster/bus.js";
import {
  type ClusterMessage,
  type ClusterMessageBody,
  MAX_PAYLOAD_BYTES,
} from "../src/cluster/messages.js";
import { ReplicaPresence } from "../src/cluster/presence.js";
import { captureLogs, clusterTestBed } from "./support/clusterTest.js";

/*
 * Which hosts are connected to which replica, with two or three replicas, each a ReplicaPresence
 * over its own PostgresBus, on a real PostgreSQL started for this file (a database per test).
 * Heartbeats every 200 ms where a test waits for a replica to be taken for dead; otherwise the
 * default, so nothing but what the test does is announced.
 */

const bed = clusterTestBed("presence");
const { cleanups } = bed;
const newDatabase = () => bed.newDatabase();

async function startReplica(
  url: string,
  replicaId: string,
  options: { heartbeatMs?: number; reconnectMs?: number } = {},
) {
  const { logger, lines } = captureLogs();
  const reconnectMs = options.reconnectMs ?? 50;
  const bus = new PostgresBus({
    url,
    replicaId,
    logger,
    reconnect: { minMs: reconnectMs, maxMs: reconnectMs * 2 },
  });
  await bus.start();
  const held = new HoldingBus(bus);
  const presence = new ReplicaPresence({ bus: held, logger, heartbeatMs: options.heartbeatMs });
  const gone: { hostIds: string[]; replicaId: string }[] = [];
  presence.onHostsGone((hostIds, from) => gone.push({ hostIds, replicaId: from }));
  const changes: [string, boolean][] = [];
  presence.onElsewhereChange((hostId, online) => changes.push([hostId, online]));
  await presence.start();
  cleanups.push(async () => {
    await presence.close();
    await bus.close();
  });
  return { bus, held, presence, gone, changes, logs: lines };
}

type Replica = Awaited<ReturnType<typeof startReplica>>;

/**
 * A bus whose deliveries can be held back and then let through late, as a process whose event
 * loop stalls gets them: everything else goes to the real bus.
 */
class HoldingBus implements ClusterBus {
  private readonly listeners = new Set<(message: ClusterMessage) => void>();
  private held: ClusterMessage[] | undefined;

  constructor(private readonly inner: PostgresBus) {
    inner.subscribe((message) => {
      if (this.held) this.held.push(message);
      else for (const listener of this.listeners) listener(message);
    });
  }
  get replicaId() {
    return this.inner.replicaId;
  }
  get listening() {
    return this.inner.listening;
  }
  publish(message: ClusterMessageBody) {
    return this.inner.publish(message);
  }
  subscribe(listener: (message: ClusterMessage) => void) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  onReconnected(listener: () => void) {
    return this.inner.onReconnected(listener);
  }
  close() {
    return this.inner.close();
  }
  hold() {
    this.held = [];
  }
  release() {
    const held = this.held ?? [];
    this.held = undefined;
    for (const message of held) for (const listener of this.listeners) listener(message);
  }
}

/**
 * Until every replica has heard every other one start: each has then answered the others'
 * requests to announce their hosts, so nothing from start-up comes after what a test does next.
 */
async function settled(replicas: Replica[]): Promise<void> {
  await waitFor(
    () =>
      replicas.every((replica) => replica.presence.knownReplicas().length === replicas.length - 1),
    { what: "replicas to know each other" },
  );
}

/** Payloads of host announcements as PostgreSQL delivers them. */
async function rawAnnouncements(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => {});
  await client.connect();
  cleanups.push(() => client.end());
  const payloads: string[] = [];
  client.on("notification", (notification) => {
    const payload = notification.payload ?? "";
    if (/"kind":"host-(online|offline)"/.test(payload)) payloads.push(payload);
  });
  await client.query(`LISTEN ${DEFAULT_CHANNEL}`);
  return payloads;
}

describe("ReplicaPresence", () => {
  it("shows a host online elsewhere after its agent connects to another replica, and offline after it leaves", async () => {
    const url = await newDatabase();
    const a = await startReplica(url, "replica-a");
    const b = await startReplica(url, "replica-b");
    await settled([a, b]);

    a.presence.hostConnected("host-1");
    await waitFor(() => b.presence.isOnlineElsewhere("host-1"), { what: "online at B" });
    expect(b.presence.replicaOf("host-1")).toBe("replica-a");
    expect(a.presence.replicaOf("host-1")).toBe("replica-a");
    expect(a.presence.isOnlineElsewhere("host-1")).toBe(false);
    expect(b.presence.isOnlineElsewhere("host-2")).toBe(false);

    a.presence.hostDisconnected("host-1");
    await waitFor(() => !b.presence.isOnlineElsewhere("host-1"), { what: "offline at B" });
    expect(b.presence.replicaOf("host-1")).toBeUndefined();
    expect(a.presence.replicaOf("host-1")).toBeUndefined();
    expect(b.changes).toEqual([
      ["host-1", true],
      ["host-1", false],
    ]);
    expect(a.changes).toEqual([]);
  });

  it("announces connects and disconnects made close together in one message", async () => {
    const url = await newDatabase();
    const payloads = await rawAnnouncements(url);
    const a = await startReplica(url, "replica-a");
    const b = await startReplica(url, "replica-b");
    await settled([a, b]);
    const hostIds = Array.from({ length: 50 }, (_, i) => `host-${i}`);

    for (const hostId of hostIds) a.presence.hostConnected(hostId);
    // A host that comes and goes within the window is announced offline only.
    a.presence.hostConnected("flicker");
    a.presence.hostDisconnected("flicker");
    await waitFor(() => hostIds.every((id) => b.presence.isOnlineElsewhere(id)), {
      what: "all online at B",
    });
    await waitFor(() => payloads.length >= 2, { what: "both announcements" });
    expect(payloads.filter((p) => p.includes('"host-online"'))).toHaveLength(1);
    expect(payloads.filter((p) => p.includes('"host-offline"'))).toHaveLength(1);
    expect(b.presence.isOnlineElsewhere("flicker")).toBe(false);
  });

  it("follows an agent that moves to another replica, whatever order the two announcements take", async () => {
    const url = await newDatabase();
    const a = await startReplica(url, "replica-a");
    const b = await startReplica(url, "replica-b");
    const c = await startReplica(url, "replica-c");
    await settled([a, b, c]);

    a.presence.hostConnected("mover");
    await waitFor(() => c.presence.replicaOf("mover") === "replica-a", { what: "at A" });
    // It reconnects to B before A has noticed its old socket closing.
    b.presence.hostConnected("mover");
    await waitFor(() => c.presence.replicaOf("mover") === "replica-b", { what: "at B" });
    expect(a.presence.replicaOf("mover")).toBe("replica-a"); // A's own socket is still open
    a.presence.hostDisconnected("mover");
    await a.presence.flush();
    // A marker from A, sent after its offline, tells when C has heard everything before it.
    a.presence.hostConnected("marker");
    await waitFor(() => c.presence.isOnlineElsewhere("marker"), { what: "marker at C" });
    expect(c.presence.replicaOf("mover")).toBe("replica-b");
    await waitFor(() => a.presence.replicaOf("mover") === "replica-b", { what: "A knows" });
    // For C the host was online elsewhere all along: one change, however it moved.
    expect(c.changes.filter(([hostId]) => hostId === "mover")).toEqual([["mover", true]]);
  });

  it("takes a replica that stops saying it is alive for dead, with all its hosts", async () => {
    const url = await newDatabase();
    const a = await startReplica(url, "replica-a", { heartbeatMs: 200 });
    const b = await startReplica(url, "replica-b", { heartbeatMs: 200 });
    await settled([a, b]);
    const hostIds = ["h1", "h2", "h3"];
    for (const hostId of hostIds) a.presence.hostConnected(hostId);
    await waitFor(() => hostIds.every((id) => b.presence.isOnlineElsewhere(id)), {
      what: "online at B",
    });

    // A dies: its connections to PostgreSQL go, nothing more is heard from it.
    await a.bus.close();
    await waitFor(() => b.gone.length > 0, { timeoutMs: 15_000, what: "A taken for dead" });
    expect(b.gone).toEqual([{ hostIds, replicaId: "replica-a" }]);
    expect(b.changes).toEqual([
      ...hostIds.map((id): [string, boolean] => [id, true]),
      ...hostIds.map((id): [string, boolean] => [id, false]),
    ]);
    expect(b.presence.elsewhereCount).toBe(0);
    expect(hostIds.some((id) => b.presence.isOnlineElsewhere(id))).toBe(false);
    expect(b.presence.knownReplicas()).toEqual([]);
    expect(b.logs.some((line) => line.event === "presence.replica_gone")).toBe(true);
  });

  it("asks a replica it took for dead and hears again for its hosts", async () => {
    const url = await newDatabase();
    const a = await startReplica(url, "replica-a", { heartbeatMs: 200 });
    const b = await startReplica(url, "replica-b", { heartbeatMs: 200 });
    await settled([a, b]);
    a.presence.hostConnected("h1");
    await waitFor(() => b.presence.isOnlineElsewhere("h1"), { what: "online at B" });

    // As in a stalled process: B's timers run, what A sends waits.
    b.held.hold();
    await waitFor(() => b.gone.length === 1, { what: "A taken for dead" });
    expect(b.presence.isOnlineElsewhere("h1")).toBe(false);
    // A's heartbeats, late, bring it back, and B asks A alone for its hosts.
    b.held.release();
    await waitFor(() => b.presence.isOnlineElsewhere("h1"), { what: "h1 back at B" });
    expect(b.logs.some((line) => line.event === "presence.replica_back")).toBe(true);
    expect(b.changes).toEqual([
      ["h1", true],
      ["h1", false],
      ["h1", true],
    ]);
  });

  it("keeps a live replica's hosts however long it has none to announce", async () => {
    const url = await newDatabase();
    const a = await startReplica(url, "replica-a", { heartbeatMs: 200 });
    const b = await startReplica(url, "replica-b", { heartbeatMs: 200 });
    await settled([a, b]);
    a.presence.hostConnected("steady");
    await waitFor(() => b.presence.isOnlineElsewhere("steady"), { what: "online at B" });
    // Long past three heartbeat periods, counted in A's heartbeats as B hears them.
    let heartbeats = 0;
    b.bus.subscribe((message) => {
      if (message.kind === "replica-alive" && message.replicaId === "replica-a") heartbeats += 1;
    });
    await waitFor(() => heartbeats >= 8, { timeoutMs: 15_000, what: "eight heartbeats" });
    expect(b.presence.isOnlineElsewhere("steady")).toBe(true);
    expect(b.gone).toEqual([]);
    expect(b.presence.knownReplicas()).toEqual(["replica-a"]);
  });

  it("tells a replica that starts late which hosts the others hold", async () => {
    const url = await newDatabase();
    const a = await startReplica(url, "replica-a");
    const b = await startReplica(url, "replica-b");
    await settled([a, b]);
    a.presence.hostConnected("a1");
    a.presence.hostConnected("a2");
    b.presence.hostConnected("b1");
    await a.presence.flush();
    await b.presence.flush();

    const late = await startReplica(url, "replica-late");
    await waitFor(
      () =>
        late.presence.replicaOf("a1") === "replica-a" &&
        late.presence.replicaOf("a2") === "replica-a" &&
        late.presence.replicaOf("b1") === "replica-b",
      { what: "the late replica knows every host" },
    );
    expect(late.presence.knownReplicas().sort()).toEqual(["replica-a", "replica-b"]);
  });

  it("learns again what it missed while its own LISTEN connection was down", async () => {
    const url = await newDatabase();
    const a = await startReplica(url, "replica-a");
    const b = await startReplica(url, "replica-b", { reconnectMs: 3000 });
    await settled([a, b]);
    a.presence.hostConnected("before");
    await waitFor(() => b.presence.isOnlineElsewhere("before"), { what: "online at B" });

    const raw = new pg.Client({ connectionString: url });
    raw.on("error", () => {});
    await raw.connect();
    cleanups.push(() => raw.end());
    await raw.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
      ["restic-manager:replica-b:listen"],
    );
    await waitFor(() => !b.bus.listening, { what: "B deaf" });
    a.presence.hostConnected("while-deaf");
    await a.presence.flush();

    await waitFor(() => b.presence.isOnlineElsewhere("while-deaf"), {
      what: "B learns the host it missed",
    });
    expect(b.presence.isOnlineElsewhere("before")).toBe(true);
    expect(b.gone).toEqual([]);
  });

  it("announces 1,000 connected hosts in several messages that each fit a NOTIFY", async () => {
    const url = await newDatabase();
    const payloads = await rawAnnouncements(url);
    const a = await startReplica(url, "replica-a");
    const b = await startReplica(url, "replica-b");
    await settled([a, b]);
    const hostIds = Array.from({ length: 1000 }, () => randomUUID());

    for (const hostId of hostIds) a.presence.hostConnected(hostId);
    await waitFor(() => hostIds.every((id) => b.presence.replicaOf(id) === "replica-a"), {
      what: "1,000 hosts at B",
    });
    expect(b.presence.elsewhereCount).toBe(1000);
    expect(payloads.length).toBeGreaterThan(4);
    for (const payload of payloads) {
      expect(Buffer.byteLength(payload)).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    }
    console.log(
      `1,000 host ids announced in ${payloads.length} NOTIFY payloads of at most ${Math.max(...payloads.map((p) => Buffer.byteLength(p)))} bytes`,
    );
  });

  it("says on a clean shutdown that its hosts left, so nobody waits for its heartbeats", async () => {
    const url = await newDatabase();
    const a = await startReplica(url, "replica-a");
    const b = await startReplica(url, "replica-b");
    await settled([a, b]);
    a.presence.hostConnected("h1");
    a.presence.hostConnected("h2");
    await waitFor(() => b.presence.isOnlineElsewhere("h2"), { what: "online at B" });

    await a.presence.close();
    await waitFor(
      () => !b.presence.isOnlineElsewhere("h1") && !b.presence.isOnlineElsewhere("h2"),
      { what: "offline at B" },
    );
    expect(b.gone).toEqual([]);
  });
});
