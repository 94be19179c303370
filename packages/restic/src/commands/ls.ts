import {
  type TLsNode,
  type TLsResult,
  type TSnapshot,
  ZLsOptions,
} from "@restic-manager/contracts";
import { z } from "zod";
import { switchFlag } from "../args.js";
import { type ResticContext, type RunOptions, resolveOptions } from "../context.js";
import { execRestic } from "../exec.js";
import { ensureExit } from "../exit-codes.js";
import { parseMessage } from "../output.js";
import { toSnapshot, ZResticSnapshot } from "../schemas/snapshot.js";
import { missingOutput } from "./shared.js";

export type LsOptions = z.input<typeof ZLsOptions>;

const ZSnapshotLine = ZResticSnapshot.extend({ message_type: z.literal("snapshot") });
const ZNodeLine = z.object({
  message_type: z.literal("node"),
  name: z.string(),
  type: z.string(),
  path: z.string(),
  size: z.number().nonnegative().optional(),
  mode: z.number().optional(),
  permissions: z.string().optional(),
  mtime: z.string().optional(),
  uid: z.number().optional(),
  gid: z.number().optional(),
  linktarget: z.string().optional(),
});

const MESSAGE_TYPES = ["snapshot", "node"] as const;
const ZLsLine = z.discriminatedUnion("message_type", [ZSnapshotLine, ZNodeLine]);

/** restic < 0.17 only names the kind in `struct_type`. */
function withMessageType(value: unknown): unknown {
  if (typeof value !== "object" || value === null || "message_type" in value) return value;
  return "struct_type" in value ? { ...value, message_type: value.struct_type } : value;
}

export function lsArgs(input: LsOptions): string[] {
  const options = ZLsOptions.parse(input);
  return [
    "ls",
    "--json",
    ...switchFlag("recursive", options.recursive),
    "--",
    options.snapshotId,
    ...(options.paths ?? []),
  ];
}

export interface LsRunOptions extends RunOptions {
  /**
   * Takes each node as restic prints it (a depth-first walk, names in order), instead of
   * keeping them: a snapshot of millions of files is listed in constant memory.
   */
  onNode?: (node: TLsNode) => void;
}

/**
 * Lists a snapshot (or some directories of it). Every node is kept, unless `onNode` takes
 * them one by one: list a directory, or stream a disk.
 */
export async function ls(
  context: ResticContext,
  input: LsOptions,
  run: LsRunOptions = {},
): Promise<TLsResult> {
  const options = resolveOptions(context);
  const seen: { snapshot: TSnapshot | null } = { snapshot: null };
  const nodes: TLsNode[] = [];
  const outcome = await execRestic(options, {
    command: "ls",
    args: lsArgs(input),
    signal: run.signal,
    stdout: {
      kind: "json-lines",
      onMessage(value, line, parse) {
        const message = parseMessage(ZLsLine, MESSAGE_TYPES, withMessageType(value), line, parse);
        if (message.message_type === "snapshot") {
          seen.snapshot = toSnapshot(message);
          return true;
        }
        const node: TLsNode = {
          name: message.name,
          type: message.type,
          path: message.path,
          size: message.size ?? null,
          mode: message.mode ?? null,
          permissions: message.permissions ?? null,
          mtime: message.mtime ?? null,
          uid: message.uid ?? null,
          gid: message.gid ?? null,
          linkTarget: message.linktarget ?? null,
        };
        // Streamed nodes are not held, so they do not count against the output ceiling.
        if (run.onNode) {
          run.onNode(node);
          return false;
        }
        nodes.push(node);
        return true;
      },
    },
  });
  ensureExit(outcome, "ls");
  if (seen.snapshot === null) throw missingOutput("ls", "the snapshot it lists", outcome);
  return { kind: "ls", snapshot: seen.snapshot, nodes };
}
