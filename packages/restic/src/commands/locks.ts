import { hostname as osHostname } from "node:os";
import type { TListLocksResult, TRepositoryLock } from "@restic-manager/contracts";
import { z } from "zod";
import { type ResticContext, type RunOptions, resolveOptions } from "../context.js";
import { ResticFatalError } from "../errors.js";
import { execRestic } from "../exec.js";
import { ensureExit } from "../exit-codes.js";
import { outputError } from "../output.js";
import { execBuffered, parseStdout, textLines } from "./shared.js";

const LOCK_ID = /^[0-9a-f]{64}$/;

/** restic refreshes its locks every 5 minutes and treats one untouched for 30 as stale. */
export const STALE_LOCK_AGE_MS = 30 * 60 * 1000;

const ZResticLock = z.object({
  time: z.string().min(1),
  exclusive: z.boolean(),
  hostname: z.string(),
  username: z.string(),
  pid: z.number().int(),
  uid: z.number().int().optional(),
  gid: z.number().int().optional(),
});
export type ResticLock = z.infer<typeof ZResticLock> & { id: string };

export interface StalenessProbe {
  now: Date;
  /** This endpoint's hostname, as restic records it. */
  hostname: string;
  processExists: (pid: number) => boolean;
}

/** `kill(pid, 0)` asks whether a process exists without signalling it (EPERM: it does). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The same rule restic's `unlock` applies, so "stale" here means "unlock would remove it". */
export function lockStaleness(
  lock: ResticLock,
  probe: StalenessProbe,
): TRepositoryLock["staleReason"] {
  const created = Date.parse(lock.time);
  if (Number.isFinite(created) && probe.now.getTime() - created > STALE_LOCK_AGE_MS)
    return "expired";
  if (lock.hostname === probe.hostname && !probe.processExists(lock.pid)) return "process-gone";
  return null;
}

export function listLockIdsArgs(): string[] {
  // Listing must work while the repository is locked, so it takes no lock itself.
  return ["list", "locks", "--no-lock", "--json"];
}

export function catLockArgs(id: string): string[] {
  return ["cat", "lock", "--no-lock", "--json", "--", id];
}

export async function listLockIds(context: ResticContext, run: RunOptions = {}): Promise<string[]> {
  const options = resolveOptions(context);
  const outcome = await execBuffered(options, {
    command: "list locks",
    args: listLockIdsArgs(),
    signal: run.signal,
  });
  const lines = textLines(outcome).map((line) => line.trim());
  const unexpected = lines.find((line) => !LOCK_ID.test(line));
  if (unexpected !== undefined) {
    throw outputError(
      { command: "list locks", redact: outcome.redact },
      `a line that is not a lock id: ${outcome.redact(unexpected).slice(0, 200)}`,
    );
  }
  return lines;
}

/** One lock's content; null when it vanished since it was listed (its owner finished). */
export async function catLock(
  context: ResticContext,
  id: string,
  run: RunOptions = {},
): Promise<ResticLock | null> {
  if (!LOCK_ID.test(id)) throw new RangeError(`not a lock id: ${id}`);
  const options = resolveOptions(context);
  const outcome = await execRestic(options, {
    command: "cat lock",
    args: catLockArgs(id),
    signal: run.signal,
    stdout: { kind: "buffer" },
  });
  try {
    ensureExit(outcome, "cat lock");
  } catch (error) {
    if (
      error instanceof ResticFatalError &&
      /not found|does not exist|no such file/i.test(error.message)
    ) {
      return null;
    }
    throw error;
  }
  const lock = parseStdout(ZResticLock, outcome, "cat lock");
  return { ...lock, id };
}

export interface ListLocksOptions {
  /** How staleness is judged; defaults to now, this host and a live process check. */
  probe?: Partial<StalenessProbe>;
}

/**
 * Lists the repository's locks with who holds them, flagging the ones restic considers stale
 * (an agent can offer `unlock` for those; a live lock is left alone).
 */
export async function listLocks(
  context: ResticContext,
  input: ListLocksOptions = {},
  run: RunOptions = {},
): Promise<TListLocksResult> {
  const probe: StalenessProbe = {
    now: input.probe?.now ?? new Date(),
    hostname: input.probe?.hostname ?? osHostname(),
    processExists: input.probe?.processExists ?? processExists,
  };
  const locks: TRepositoryLock[] = [];
  for (const id of await listLockIds(context, run)) {
    const lock = await catLock(context, id, run);
    if (lock === null) continue;
    const staleReason = lockStaleness(lock, probe);
    locks.push({
      id,
      time: lock.time,
      exclusive: lock.exclusive,
      hostname: lock.hostname,
      username: lock.username,
      pid: lock.pid,
      stale: staleReason !== null,
      staleReason,
    });
  }
  return { kind: "list-locks", locks };
}
