import { type TSnapshotsResult, ZSnapshotsOptions } from "@restic-manager/contracts";
import { z } from "zod";
import { filterFlags, optionalFlag } from "../args.js";
import { type ResticContext, type RunOptions, resolveOptions } from "../context.js";
import { toSnapshot, ZResticSnapshot } from "../schemas/snapshot.js";
import { execBuffered, parseStdout } from "./shared.js";

export type SnapshotsOptions = z.input<typeof ZSnapshotsOptions>;

export function snapshotsArgs(input: SnapshotsOptions = {}): string[] {
  const options = ZSnapshotsOptions.parse(input);
  return [
    "snapshots",
    "--json",
    ...filterFlags(options),
    ...optionalFlag("latest", options.latest),
    "--",
    ...(options.snapshotIds ?? []),
  ];
}

export async function snapshots(
  context: ResticContext,
  input: SnapshotsOptions = {},
  run: RunOptions = {},
): Promise<TSnapshotsResult> {
  const options = resolveOptions(context);
  const outcome = await execBuffered(options, {
    command: "snapshots",
    args: snapshotsArgs(input),
    signal: run.signal,
  });
  const raw = parseStdout(z.array(ZResticSnapshot), outcome, "snapshots");
  return { kind: "snapshots", snapshots: raw.map(toSnapshot) };
}
