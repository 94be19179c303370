import { type TSnapshotsResult, ZSnapshotsOptions } from "@restic-manager/contracts";
import { z } from "zod";
import { filterFlags, optionalFlag } from "../args.js";
import { type ResticContext, type RunOptions, resolveOptions } from "../context.js";
import { execRestic } from "../exec.js";
import { ensureExit } from "../exit-codes.js";
import { parseDocument } from "../output.js";
import { toSnapshot, ZResticSnapshot } from "../schemas/snapshot.js";

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
  const outcome = await execRestic(options, {
    command: "snapshots",
    args: snapshotsArgs(input),
    signal: run.signal,
    stdout: { kind: "buffer" },
  });
  ensureExit(outcome, "snapshots");
  const raw = parseDocument(z.array(ZResticSnapshot), outcome.stdout.toString("utf8"), {
    command: "snapshots",
    redact: outcome.redact,
  });
  return { kind: "snapshots", snapshots: raw.map(toSnapshot) };
}
