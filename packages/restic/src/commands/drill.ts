import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { chmod, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  type TDrillFile,
  type TDrillResult,
  type TSnapshot,
  ZDrillOptions,
} from "@restic-manager/contracts";
import { z } from "zod";
import { type ResticContext, type RunOptions, resolveOptions } from "../context.js";
import { ResticCancelledError, ResticDrillFailedError, ResticError } from "../errors.js";
import { execRestic } from "../exec.js";
import { ensureExit } from "../exit-codes.js";
import { parseMessage } from "../output.js";
import {
  batchPatterns,
  cryptoRandomIndex,
  literalPattern,
  type RandomIndex,
  Reservoir,
  type SnapshotFile,
  withinBytes,
} from "./drill-sample.js";
import { dump } from "./dump.js";
import { lsArgs } from "./ls.js";
import { restore } from "./restore.js";
import { snapshots } from "./snapshots.js";

export type DrillOptions = z.input<typeof ZDrillOptions>;

export interface DrillRunOptions extends RunOptions {
  /** Where the sample's randomness comes from; crypto's by default. */
  random?: RandomIndex;
  /** The platform whose include syntax applies; this process's by default. */
  platform?: NodeJS.Platform;
}

/**
 * Each file's `restic dump` is a process of its own, and most of its time goes into deriving
 * the repository key: a few run at once.
 */
const DUMPS_AT_ONCE = 4;
/** The problems named in a failed drill's message; the result lists them all. */
const PROBLEMS_IN_MESSAGE = 3;
const MAX_MESSAGE_CHARS = 2000;

/**
 * A restore drill: the latest snapshot carrying the tags, a random sample of its regular files
 * (at most `sampleFiles`, and `sampleBytes` in all), restored with `--verify` into a new
 * temporary directory; each restored file is compared by size and sha256 with what
 * `restic dump` streams for it. The directory is removed whatever happens. A file that does
 * not verify, or a restore restic reports as failed, fails the drill with the reason.
 */
export async function drill(
  context: ResticContext,
  input: DrillOptions,
  run: DrillRunOptions = {},
): Promise<TDrillResult> {
  const options = ZDrillOptions.parse(input);
  const { signal } = run;
  const snapshot = await latestSnapshot(context, options.tags, signal);
  const sample = await sampleFiles(context, snapshot.id, {
    files: options.sampleFiles,
    bytes: options.sampleBytes,
    random: run.random ?? cryptoRandomIndex,
    platform: run.platform ?? process.platform,
    signal,
  });
  if (sample.files.length === 0) {
    const within =
      options.sampleBytes === undefined ? "" : ` of at most ${options.sampleBytes} bytes`;
    throw drillFailure(
      `snapshot ${snapshot.shortId} holds no regular file${within} to restore`,
      null,
    );
  }
  const scratch = await makeScratch(options.scratchDir);
  let result: TDrillResult;
  try {
    const restoreError = await restoreSample(context, snapshot.id, scratch, sample, signal);
    const files = await mapConcurrently(sample.files, DUMPS_AT_ONCE, (file) =>
      verifyFile(context, { snapshotId: snapshot.id, scratch, file, signal }),
    );
    result = {
      kind: "drill",
      snapshotId: snapshot.id,
      snapshotTime: snapshot.time,
      filesInSnapshot: sample.candidates,
      files,
      filesChecked: files.length,
      bytesChecked: files.reduce((sum, file) => sum + file.size, 0),
      failures: files.filter((file) => !file.ok).length,
      restoreError,
    };
  } catch (error) {
    // The drill's own failure is the news; a sample that also cannot be removed is secondary.
    await removeScratch(scratch).catch(() => undefined);
    throw error;
  }
  await removeScratch(scratch);
  if (result.failures > 0 || result.restoreError !== null) {
    throw drillFailure(describeFailures(snapshot, result), result);
  }
  return result;
}

async function latestSnapshot(
  context: ResticContext,
  tags: string[],
  signal: AbortSignal | undefined,
): Promise<TSnapshot> {
  // --latest keeps the newest per group (host and paths): the newest of those is the set's.
  const { snapshots: found } = await snapshots(context, { tags, latest: 1 }, { signal });
  const newest = found.reduce<TSnapshot | undefined>(
    (best, snapshot) =>
      !best || Date.parse(snapshot.time) > Date.parse(best.time) ? snapshot : best,
    undefined,
  );
  if (!newest) {
    throw drillFailure(`no snapshot carries the tag ${tags.join(" or ")}: nothing to drill`, null);
  }
  return newest;
}

const ZSnapshotLine = z.object({ message_type: z.literal("snapshot") });
const ZNodeLine = z.object({
  message_type: z.literal("node"),
  type: z.string(),
  path: z.string(),
  size: z.number().nonnegative().optional(),
});
const ZLsLine = z.discriminatedUnion("message_type", [ZSnapshotLine, ZNodeLine]);
const LS_MESSAGE_TYPES = ["snapshot", "node"] as const;

/** restic < 0.17 only names the kind in `struct_type`. */
function withMessageType(value: unknown): unknown {
  if (typeof value !== "object" || value === null || "message_type" in value) return value;
  return "struct_type" in value ? { ...value, message_type: value.struct_type } : value;
}

interface Sample {
  files: SnapshotFile[];
  /** The regular files the sample was drawn from. */
  candidates: number;
  /** The include pattern of each sampled path. */
  patterns: Map<string, string>;
}

/** Streams `ls` of the snapshot through a reservoir: memory grows with the sample, not the snapshot. */
async function sampleFiles(
  context: ResticContext,
  snapshotId: string,
  want: {
    files: number;
    bytes: number | undefined;
    random: RandomIndex;
    platform: NodeJS.Platform;
    signal: AbortSignal | undefined;
  },
): Promise<Sample> {
  const reservoir = new Reservoir<SnapshotFile & { pattern: string }>(want.files, want.random);
  const outcome = await execRestic(resolveOptions(context), {
    command: "ls",
    args: lsArgs({ snapshotId }),
    signal: want.signal,
    stdout: {
      kind: "json-lines",
      onMessage(value, line, parse) {
        const message = parseMessage(
          ZLsLine,
          LS_MESSAGE_TYPES,
          withMessageType(value),
          line,
          parse,
        );
        if (message.message_type !== "node" || message.type !== "file") return false;
        const size = message.size ?? 0;
        if (want.bytes !== undefined && size > want.bytes) return false;
        const pattern = literalPattern(message.path, want.platform);
        if (pattern !== null) reservoir.offer({ path: message.path, size, pattern });
        return false;
      },
    },
  });
  ensureExit(outcome, "ls");
  const files = withinBytes(reservoir.items, want.bytes, want.random);
  const patterns = new Map(reservoir.items.map((file) => [file.path, file.pattern]));
  return {
    files: files.map(({ path: filePath, size }) => ({ path: filePath, size })),
    candidates: reservoir.offered,
    patterns,
  };
}

/** Restores the sample; restic's failure (a `--verify` mismatch, an unreadable blob) is returned. */
async function restoreSample(
  context: ResticContext,
  snapshotId: string,
  target: string,
  sample: Sample,
  signal: AbortSignal | undefined,
): Promise<string | null> {
  const patterns = sample.files.map((file) => sample.patterns.get(file.path) ?? file.path);
  const errors: string[] = [];
  for (const includes of batchPatterns(patterns)) {
    try {
      await restore(context, { snapshotId, target, includes, verify: true }, { signal });
    } catch (error) {
      if (error instanceof ResticCancelledError || !(error instanceof ResticError)) throw error;
      errors.push(error.message);
    }
  }
  return errors.length > 0 ? errors.join("; ") : null;
}

/** `work` over every item, at most `limit` at a time, results in the items' order. */
async function mapConcurrently<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < items.length; index = next++) {
      results[index] = await work(items[index] as T);
    }
  };
  // Every worker ends before this returns (or throws): nothing still writes to the scratch
  // directory while it is removed.
  const settled = await Promise.allSettled(
    Array.from({ length: Math.min(limit, items.length) }, worker),
  );
  const failed = settled.find((outcome) => outcome.status === "rejected");
  if (failed) throw failed.reason;
  return results;
}

interface Digest {
  size: number;
  sha256: string;
}

/** Counts and hashes bytes written to it. */
function digestSink() {
  const hash = createHash("sha256");
  let size = 0;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.byteLength;
      done();
    },
  });
  return { sink, digest: (): Digest => ({ size, sha256: hash.digest("hex") }) };
}

async function digestOfFile(file: string): Promise<Digest | null> {
  const { sink, digest } = digestSink();
  try {
    await pipeline(createReadStream(file), sink);
  } catch {
    return null;
  }
  return digest();
}

/** Compares one restored file with the snapshot: its recorded size and `restic dump`'s bytes. */
async function verifyFile(
  context: ResticContext,
  target: {
    snapshotId: string;
    scratch: string;
    file: SnapshotFile;
    signal: AbortSignal | undefined;
  },
): Promise<TDrillFile> {
  const { file } = target;
  const restored = await digestOfFile(path.join(target.scratch, ...file.path.split("/")));
  const { sink, digest } = digestSink();
  let dumped: Digest | null = null;
  let dumpError: string | null = null;
  try {
    await dump(
      context,
      { snapshotId: target.snapshotId, path: file.path },
      { signal: target.signal, output: sink },
    );
    dumped = digest();
  } catch (error) {
    if (error instanceof ResticCancelledError || !(error instanceof ResticError)) throw error;
    dumpError = error.message;
  }
  const problems: string[] = [];
  if (!restored) problems.push("it was not restored");
  else if (restored.size !== file.size) {
    problems.push(`${restored.size} bytes were restored, the snapshot records ${file.size}`);
  }
  if (dumpError !== null) problems.push(dumpError);
  else if (dumped && dumped.size !== file.size) {
    problems.push(`restic dump gave ${dumped.size} bytes, the snapshot records ${file.size}`);
  }
  if (restored && dumped && restored.sha256 !== dumped.sha256) {
    problems.push(
      `sha256 mismatch: the restored file has ${restored.sha256}, restic dump gives ${dumped.sha256}`,
    );
  }
  return {
    path: file.path,
    size: file.size,
    sha256: restored?.sha256 ?? dumped?.sha256 ?? null,
    ok: problems.length === 0,
    problem: problems.length === 0 ? null : problems.join("; "),
  };
}

function describeFailures(snapshot: TSnapshot, result: TDrillResult): string {
  const failed = result.files.filter((file) => !file.ok);
  const parts: string[] = [];
  if (failed.length > 0) {
    const named = failed
      .slice(0, PROBLEMS_IN_MESSAGE)
      .map((file) => `${file.path}: ${file.problem}`)
      .join("; ");
    const more =
      failed.length > PROBLEMS_IN_MESSAGE
        ? `; and ${failed.length - PROBLEMS_IN_MESSAGE} more`
        : "";
    parts.push(
      `${failed.length} of ${result.filesChecked} sampled files did not verify (${named}${more})`,
    );
  }
  if (result.restoreError !== null) parts.push(`restore --verify failed: ${result.restoreError}`);
  const message = `restore drill of snapshot ${snapshot.shortId} failed: ${parts.join("; ")}`;
  return message.length > MAX_MESSAGE_CHARS
    ? `${message.slice(0, MAX_MESSAGE_CHARS - 1)}…`
    : message;
}

function drillFailure(message: string, result: TDrillResult | null) {
  return new ResticDrillFailedError(message, {
    command: "drill",
    exitCode: null,
    stderrTail: "",
    result,
  });
}

async function makeScratch(scratchDir: string | undefined): Promise<string> {
  const parent = scratchDir ?? tmpdir();
  try {
    return await mkdtemp(path.join(parent, "restic-manager-drill-"));
  } catch (error) {
    throw new Error(
      `the drill cannot make its temporary directory in ${parent}: ${(error as Error).message}`,
    );
  }
}

/** Makes every directory below `dir` writable again: restic restores read-only ones as such. */
async function makeWritable(dir: string): Promise<void> {
  await chmod(dir, 0o700);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) await makeWritable(path.join(dir, entry.name));
  }
}

async function removeScratch(dir: string): Promise<void> {
  try {
    await rm(dir, { recursive: true, force: true });
    return;
  } catch {
    // A read-only directory from the snapshot: open it up and try again.
  }
  try {
    await makeWritable(dir);
    await rm(dir, { recursive: true, force: true });
  } catch (error) {
    throw new Error(
      `the drill's restored sample in ${dir} could not be removed: ${(error as Error).message}`,
    );
  }
}
