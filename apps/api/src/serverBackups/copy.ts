import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/**
 * Copies a live SQLite database with SQLite's online backup API, on a connection of its own in
 * a worker thread, and checks the copy. Why this way:
 * - The backup API copies pages under a read transaction; with WAL the server's writes go on
 *   meanwhile and the copy is the database as of one moment (a file copy of a live database
 *   with its -wal beside it is not).
 * - Copied in small steps between the server's own work, any write by the server's connection
 *   restarts the copy, so a busy server might never finish one. One step copies it all under
 *   one read transaction and cannot be restarted, but takes as long as the file takes to copy:
 *   in the worker thread that blocks no request, socket or progress event.
 * - `VACUUM INTO` would be as consistent; the backup API copies pages without rebuilding every
 *   table and index, which is less work for the same result.
 * The copy is then switched out of WAL mode (one self-contained file, no -wal to forget) and
 * must pass `PRAGMA integrity_check` before the caller keeps it.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
async function run() {
  const source = new Database(workerData.source, { readonly: true, fileMustExist: true });
  try {
    await source.backup(workerData.destination, { progress: () => 0x7fffffff });
  } finally {
    source.close();
  }
  const copy = new Database(workerData.destination, { fileMustExist: true });
  try {
    copy.pragma("journal_mode = DELETE");
    const problems = copy.pragma("integrity_check").map((row) => row.integrity_check);
    if (problems.length !== 1 || problems[0] !== "ok") {
      throw new Error("the copy failed its integrity check: " + problems.slice(0, 5).join("; "));
    }
  } finally {
    copy.close();
  }
}
run().then(
  () => parentPort.postMessage({ ok: true }),
  (error) => parentPort.postMessage({ ok: false, message: String(error && error.message || error) }),
);
`;

const driver = createRequire(import.meta.url).resolve("better-sqlite3");

/**
 * Writes a checked copy of the database at `source` to `destination` (which must not exist).
 * Rejects with SQLite's or the file system's reason when it cannot. A copy is never cut short:
 * stopping the worker while SQLite runs in it aborts the whole process (a fatal V8 error in
 * better-sqlite3), so a server that stops waits for the copy under way to end.
 */
export function copyDatabase(options: { source: string; destination: string }): Promise<void> {
  const { source, destination } = options;
  return new Promise<void>((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { driver, source, destination },
    });
    let settled = false;
    const settle = (error?: Error) => {
      if (settled) return;
      settled = true;
      if (error) reject(error);
      else resolve();
    };
    worker.once("message", (message: { ok: boolean; message?: string }) =>
      settle(message.ok ? undefined : new Error(message.message ?? "the copy failed")),
    );
    worker.once("error", (error) => settle(error));
    worker.once("exit", (code) => settle(new Error(`the copy stopped early (exit code ${code})`)));
  });
}
