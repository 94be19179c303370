import pg from "pg";

export interface ClusterConnectionOptions {
  url: string;
  replicaId: string;
  /** What the connection is for: `restic-manager:<replicaId>:<role>` in pg_stat_activity. */
  role: string;
  /** Called once when the connection fails or ends after it was made. */
  onLost: (error: Error | undefined) => void;
  /** A query that has not answered after this long fails (the connection is then dropped). */
  queryTimeoutMs?: number;
  /**
   * PostgreSQL ends the session when it stays idle this long. Set on connections the replica
   * uses at least every few seconds: if the replica hangs or is cut off, the session that holds
   * its lock or its place in the notification queue goes soon, not when TCP keep-alive notices
   * (two hours by default). Ignored by PostgreSQL before 14.
   */
  idleSessionTimeoutMs?: number;
}

/** A connection of a replica's own (outside Prisma's pool), named for pg_stat_activity. */
export async function openClusterConnection(options: ClusterConnectionOptions): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: options.url,
    application_name: `restic-manager:${options.replicaId}:${options.role}`.slice(0, 63),
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    connectionTimeoutMillis: 10_000,
    ...(options.queryTimeoutMs ? { query_timeout: options.queryTimeoutMs } : {}),
  });
  let connected = false;
  let lost = false;
  const onLost = (error?: Error) => {
    if (!connected || lost) return;
    lost = true;
    options.onLost(error);
  };
  client.on("error", onLost);
  client.on("end", () => onLost());
  try {
    await client.connect();
    if (options.idleSessionTimeoutMs)
      await setIdleSessionTimeout(client, options.idleSessionTimeoutMs);
  } catch (error) {
    await endQuietly(client);
    throw error;
  }
  connected = true;
  return client;
}

async function setIdleSessionTimeout(client: pg.Client, ms: number): Promise<void> {
  try {
    await client.query(`SET idle_session_timeout = ${Math.round(ms)}`);
  } catch (error) {
    // 42704: unrecognized configuration parameter (PostgreSQL 13 and older).
    if ((error as { code?: string }).code !== "42704") throw error;
  }
}

/** How long a goodbye may take before the socket is closed without one. */
const END_TIMEOUT_MS = 2000;

/**
 * Ends a client whatever state it is in; a connection already gone is not an error here. A
 * connection whose other end no longer answers (cut off, hung) would never finish a polite
 * goodbye: after a moment its socket is destroyed.
 */
export async function endQuietly(client: pg.Client | undefined): Promise<void> {
  if (!client) return;
  client.on("error", () => {});
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), END_TIMEOUT_MS);
  });
  try {
    const outcome = await Promise.race([client.end().then(() => "ended" as const), timedOut]);
    if (outcome === "timeout") client.connection.stream.destroy();
  } catch {
    // already ended or never connected
  } finally {
    clearTimeout(timer);
  }
}
