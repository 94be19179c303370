import { waitFor } from "@restic-manager/test-support";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { PostgresLeadership, SoleLeadership } from "../src/cluster/leadership.js";
import { captureLogs, clusterTestBed, startPartitionProxy } from "./support/clusterTest.js";
import { startPostgresCluster } from "./support/postgres.js";

/*
 * Leadership through an advisory lock, on a real PostgreSQL started for this file. Each test has
 * a database of its own: advisory locks do not conflict across databases.
 *
 * Bounds: replicas that must take over try every 200 ms and are given 15 s. Where a test needs
 * the replica that lost leadership to stay out of the race, it tries only once a minute, so
 * "stops leading at once" can only come from its connection's own error, not from a later try.
 */

const bed = clusterTestBed("leader");
const { cleanups } = bed;
const newDatabase = () => bed.newDatabase();
const TAKEOVER = { timeoutMs: 15_000 };

function startLeadership(url: string, replicaId: string, intervalMs = 200) {
  const { logger, lines } = captureLogs();
  const leadership = new PostgresLeadership({ url, replicaId, logger, intervalMs });
  const changes: boolean[] = [];
  leadership.onChange((isLeader) => changes.push(isLeader));
  void leadership.start();
  cleanups.push(() => leadership.close());
  return { leadership, changes, logs: lines };
}

async function rawClient(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => {});
  await client.connect();
  cleanups.push(() => client.end());
  return client;
}

/** The sessions holding the leader lock now, by application name. */
async function lockHolders(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ application_name: string }>(
    `SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
     WHERE l.locktype = 'advisory' AND l.granted AND l.database = (
       SELECT oid FROM pg_database WHERE datname = current_database())`,
  );
  return rows.map((row) => row.application_name);
}

describe("PostgresLeadership", () => {
  it("makes exactly one of two replicas the leader, the one whose session holds the lock", async () => {
    const url = await newDatabase();
    const a = startLeadership(url, "replica-a");
    const b = startLeadership(url, "replica-b");

    await waitFor(() => a.leadership.isLeader || b.leadership.isLeader, { what: "a leader" });
    const [leader, follower] = a.leadership.isLeader ? [a, b] : [b, a];
    // The follower has since tried several times and failed each time.
    const triedBefore = follower.leadership.attempts;
    await waitFor(() => follower.leadership.attempts >= triedBefore + 3, { what: "more tries" });
    expect(leader.leadership.isLeader).toBe(true);
    expect(follower.leadership.isLeader).toBe(false);
    expect(leader.changes).toEqual([true]);
    expect(follower.changes).toEqual([]);

    const raw = await rawClient(url);
    const leaderName = leader === a ? "replica-a" : "replica-b";
    expect(await lockHolders(raw)).toEqual([`restic-manager:${leaderName}:leader`]);
  });

  it("stops leading at once when PostgreSQL ends its session, and the other takes over", async () => {
    const url = await newDatabase();
    const a = startLeadership(url, "replica-a", 60_000);
    await waitFor(() => a.leadership.isLeader, { what: "A leads" });
    const b = startLeadership(url, "replica-b");
    await waitFor(() => b.leadership.attempts >= 2, { what: "B tried" });
    expect(b.leadership.isLeader).toBe(false);

    const raw = await rawClient(url);
    const terminatedAt = performance.now();
    await raw.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`,
      ["restic-manager:replica-a:leader"],
    );
    await waitFor(() => !a.leadership.isLeader, { what: "A stops leading" });
    expect(a.changes).toEqual([true, false]);
    expect(a.logs.some((line) => line.event === "leadership.connection_lost")).toBe(true);
    await waitFor(() => b.leadership.isLeader, { ...TAKEOVER, what: "B takes over" });
    console.log(
      `leader's session ended → the other leads after ${(performance.now() - terminatedAt).toFixed(0)} ms (it tries every 200 ms)`,
    );
    expect(await lockHolders(raw)).toEqual(["restic-manager:replica-b:leader"]);
    expect(a.leadership.isLeader).toBe(false);
  });

  it("stops leading when cut off without an error, and PostgreSQL ends its session so the other takes over", async () => {
    const url = await newDatabase();
    const proxy = await startPartitionProxy(bed.cluster().port);
    cleanups.push(() => proxy.close());
    const database = new URL(url).pathname.slice(1);
    const a = startLeadership(proxy.url(database), "replica-a");
    await waitFor(() => a.leadership.isLeader, { what: "A leads" });
    const b = startLeadership(url, "replica-b");
    await waitFor(() => b.leadership.attempts >= 2, { what: "B tried" });

    const cutAt = performance.now();
    proxy.cut();
    await waitFor(() => !a.leadership.isLeader, { ...TAKEOVER, what: "A stops leading" });
    const stoppedAfter = performance.now() - cutAt;
    await waitFor(() => b.leadership.isLeader, { ...TAKEOVER, what: "B takes over" });
    console.log(
      `leader cut off → it stops leading after ${stoppedAfter.toFixed(0)} ms, the other leads after ${(performance.now() - cutAt).toFixed(0)} ms (interval 200 ms)`,
    );
    expect(a.changes).toEqual([true, false]);
    const raw = await rawClient(url);
    expect(await lockHolders(raw)).toEqual(["restic-manager:replica-b:leader"]);
  });

  it("hands leadership over when the leader closes, and a closed replica never leads again", async () => {
    const url = await newDatabase();
    const a = startLeadership(url, "replica-a");
    await waitFor(() => a.leadership.isLeader, { what: "A leads" });
    const b = startLeadership(url, "replica-b");
    await waitFor(() => b.leadership.attempts >= 2, { what: "B tried" });

    await a.leadership.close();
    expect(a.leadership.isLeader).toBe(false);
    expect(a.changes).toEqual([true, false]);
    await waitFor(() => b.leadership.isLeader, { ...TAKEOVER, what: "B takes over" });

    await b.leadership.close();
    const raw = await rawClient(url);
    await waitFor(async () => (await lockHolders(raw)).length === 0, { what: "lock released" });
    expect(a.leadership.isLeader).toBe(false);
  });

  it("stops leading when PostgreSQL goes away, and closes cleanly after", async () => {
    const own = await startPostgresCluster();
    try {
      const url = await own.createDatabase("going");
      const a = startLeadership(url, "replica-a");
      await waitFor(() => a.leadership.isLeader, { what: "A leads" });
      await own.stop();
      await waitFor(() => !a.leadership.isLeader, { what: "A stops leading" });
      expect(a.changes).toEqual([true, false]);
      await a.leadership.close();
      expect(a.changes).toEqual([true, false]);
    } finally {
      await own.stop();
    }
  });

  it("gives each kind of work its own leader: a second lock is independent of the first", async () => {
    const url = await newDatabase();
    const { logger } = captureLogs();
    const a = startLeadership(url, "replica-a");
    await waitFor(() => a.leadership.isLeader, { what: "A leads the first" });
    const other = new PostgresLeadership({ url, replicaId: "replica-b", logger, lock: 2 });
    cleanups.push(() => other.close());
    // Its first try is over once start resolves: it knows it leads before it serves.
    await other.start();
    expect(other.isLeader).toBe(true);
    expect(a.leadership.isLeader).toBe(true);
  });

  it("does not lead while PostgreSQL cannot be reached, and keeps trying", async () => {
    const { logger, lines } = captureLogs();
    // The URL of a cluster that has stopped: nothing listens on its port any more.
    const gone = await startPostgresCluster();
    const url = await gone.createDatabase("gone");
    await gone.stop();
    const leadership = new PostgresLeadership({ url, replicaId: "a", logger, intervalMs: 100 });
    cleanups.push(() => leadership.close());
    await leadership.start();
    expect(leadership.isLeader).toBe(false);
    await waitFor(
      () => lines.filter((line) => line.event === "leadership.connect_failed").length >= 2,
      { what: "failed tries" },
    );
    expect(leadership.isLeader).toBe(false);
  });
});

describe("SoleLeadership", () => {
  it("is always the leader of a single process", async () => {
    const leadership = new SoleLeadership();
    const changes: boolean[] = [];
    leadership.onChange((isLeader) => changes.push(isLeader));
    expect(leadership.isLeader).toBe(true);
    await leadership.close();
    expect(changes).toEqual([]);
  });
});
