import { once } from "node:events";
import { type FileHandle, open, rm } from "node:fs/promises";
import { type TDumpResult, ZDumpOptions } from "@restic-manager/contracts";
import type { z } from "zod";
import { optionalFlag } from "../args.js";
import { type ResticContext, type RunOptions, resolveOptions } from "../context.js";
import { type ExecRequest, execRestic } from "../exec.js";
import { ensureExit } from "../exit-codes.js";

export type DumpOptions = z.input<typeof ZDumpOptions>;

export interface DumpRunOptions extends RunOptions {
  /** Where the bytes go. Without it they go to `options.target`, or are returned (bounded). */
  output?: NodeJS.WritableStream;
}

export interface DumpOutcome extends TDumpResult {
  /** The bytes, when neither an output stream nor a target file was given. */
  data: Buffer | null;
}

export function dumpArgs(input: DumpOptions): string[] {
  const options = ZDumpOptions.parse(input);
  // The bytes are the same with --json; only restic's exit error becomes JSON.
  return [
    "dump",
    "--json",
    ...optionalFlag("archive", options.archive),
    "--",
    options.snapshotId,
    options.path,
  ];
}

async function writeTo(stream: NodeJS.WritableStream, chunk: Uint8Array) {
  if (!stream.write(chunk)) await once(stream, "drain");
}

/**
 * Writes one file (or, with `archive`, a directory as tar/zip) from a snapshot. A target file
 * is created exclusively and removed again if the dump fails: nothing half-written is kept.
 */
export async function dump(
  context: ResticContext,
  input: DumpOptions,
  run: DumpRunOptions = {},
): Promise<DumpOutcome> {
  const options = resolveOptions(context);
  const parsed = ZDumpOptions.parse(input);
  const args = dumpArgs(parsed);
  let sizeBytes = 0;
  const output = run.output;
  const target = output ? undefined : parsed.target;
  let file: FileHandle | undefined;
  const request = (stdout: ExecRequest["stdout"]): ExecRequest => ({
    command: "dump",
    args,
    signal: run.signal,
    stdout,
  });

  if (output) {
    const outcome = await execRestic(
      options,
      request({
        kind: "stream",
        write: (chunk) => {
          sizeBytes += chunk.byteLength;
          return writeTo(output, chunk);
        },
      }),
    );
    ensureExit(outcome, "dump");
    return { kind: "dump", sizeBytes, target: null, data: null };
  }

  if (target !== undefined) {
    file = await open(target, "wx", 0o600);
    const handle = file;
    try {
      const outcome = await execRestic(
        options,
        request({
          kind: "stream",
          write: async (chunk) => {
            sizeBytes += chunk.byteLength;
            await handle.write(chunk);
          },
        }),
      );
      ensureExit(outcome, "dump");
      await handle.close();
      return { kind: "dump", sizeBytes, target, data: null };
    } catch (error) {
      await handle.close().catch(() => undefined);
      await rm(target, { force: true });
      throw error;
    }
  }

  const outcome = await execRestic(options, request({ kind: "buffer" }));
  ensureExit(outcome, "dump");
  return { kind: "dump", sizeBytes: outcome.stdout.byteLength, target: null, data: outcome.stdout };
}
