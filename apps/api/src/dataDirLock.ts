import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";

/**
 * One server per data directory: two would dispatch the same job queue and both sweep lost
 * jobs. The lock is SQLite's own fcntl lock on <dataDir>/server.lock, held by an open
 * connection in exclusive locking mode, so the kernel drops it when the process dies, however
 * it dies; a pid file alone would outlive a crash. SQLite also tracks locks per file within a
 * process, so a second server started in the same process (as tests do) is refused too.
 */

export class DataDirLockedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DataDirLockedError";
  }
}

export interface DataDirLock {
  /** Lets another server take the data directory; calling it twice does nothing. */
  release(): void;
}

/** Who holds the lock: written next to it for the refusal message, never trusted as the lock. */
interface LockOwner {
  pid: number;
  hostname: string;
  startedAt: string;
}

const LOCK_FILE = "server.lock";
const OWNER_FILE = "server.pid";

/** Takes the data directory (creating it, mode 0700) or throws DataDirLockedError at once. */
export function lockDataDir(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const ownerFile = path.join(dataDir, OWNER_FILE);
  let connection: Database;
  try {
    connection = holdExclusiveLock(path.join(dataDir, LOCK_FILE));
  } catch (error) {
    if (!isBusy(error)) throw error;
    throw new DataDirLockedError(refusal(dataDir, readOwner(ownerFile)));
  }
  const owner: LockOwner = {
    pid: process.pid,
    hostname: hostname(),
    startedAt: new Date().toISOString(),
  };
  writeFileSync(ownerFile, `${JSON.stringify(owner)}\n`, { mode: 0o600 });

  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      // The owner file goes first, so it never names a server that no longer holds the lock.
      rmSync(ownerFile, { force: true });
      connection.close();
    },
  };
}

/**
 * In exclusive locking mode SQLite keeps the lock of its first write transaction until the
 * connection closes; with no busy timeout a second taker fails with SQLITE_BUSY immediately.
 */
function holdExclusiveLock(file: string): Database {
  const connection = new Database(file, { timeout: 0 });
  try {
    connection.pragma("locking_mode = EXCLUSIVE");
    connection.exec("CREATE TABLE IF NOT EXISTS server_lock (id INTEGER PRIMARY KEY)");
    connection.exec("BEGIN EXCLUSIVE; COMMIT;");
    return connection;
  } catch (error) {
    connection.close();
    throw error;
  }
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("SQLITE_BUSY");
}

function readOwner(file: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(file, "utf8")) as Partial<LockOwner>;
    if (typeof owner.pid !== "number") return undefined;
    return {
      pid: owner.pid,
      hostname: String(owner.hostname ?? "unknown host"),
      startedAt: String(owner.startedAt ?? "an unknown time"),
    };
  } catch {
    // Missing (its owner is still writing it) or unreadable: the refusal says less.
    return undefined;
  }
}

function refusal(dataDir: string, owner: LockOwner | undefined): string {
  const who = owner
    ? `another server (pid ${owner.pid} on ${owner.hostname}, started ${owner.startedAt})`
    : "another server";
  return `${who} is already using the data directory ${dataDir}; stop it first`;
}
