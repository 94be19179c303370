import { z } from "zod";
import { ZDate, ZId } from "./ids.js";
import { ZDiffResult, ZSnapshot } from "./job-results.js";
import { ZSnapshotId, ZSnapshotPath, ZTagFilter } from "./jobs.js";

/**
 * Reading a repository's snapshots from the browser: lists, a snapshot's tree one directory at
 * a time, search by name, and diffs. They are answered by an agent that can reach the
 * repository (the snapshot's own host first), as queries: request and answer, not jobs.
 */

/** A path inside a snapshot as the browser sends it: absolute, no `..`, never an option. */
export const ZSnapshotItemPath = ZSnapshotPath.refine((p) => p.startsWith("/"), {
  message: "A path inside a snapshot starts with /",
})
  .refine((p) => !p.split("/").some((segment) => segment === ".." || segment === "."), {
    message: "A path inside a snapshot must not contain . or .. segments",
  })
  .refine((p) => !p.startsWith("-"), { message: "A path must not start with -" });

/** One entry of a directory in a snapshot. */
export const ZBrowseEntry = z.object({
  name: z.string(),
  type: z.enum(["file", "dir", "symlink", "other"]),
  size: z.number().nonnegative().nullable(),
  /** Unix permission bits and file type as restic reports them. */
  mode: z.number().nullable(),
  mtime: z.string().nullable(),
});
export type TBrowseEntry = z.infer<typeof ZBrowseEntry>;

/** Caps on what one query may answer, so one answer always fits in one agent message. */
export const QUERY_LIMITS = {
  maxEntries: 5000,
  maxFindMatches: 1000,
  /** The newest; about 600 bytes each, so an answer stays well inside one message. */
  maxSnapshots: 1000,
} as const;

/** What the server asks an agent to read. `snapshotId` is always a full id here. */
export const ZAgentQuery = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("snapshots"),
    tags: z.array(ZTagFilter).max(20).optional(),
  }),
  z.object({
    kind: z.literal("browse"),
    snapshotId: ZSnapshotId,
    path: ZSnapshotItemPath,
    offset: z.number().int().min(0).default(0),
  }),
  z.object({
    kind: z.literal("find"),
    snapshotId: ZSnapshotId,
    /** A name pattern as restic find takes it (`*.pdf`, `report*`). */
    pattern: z.string().min(1).max(200),
  }),
  z.object({ kind: z.literal("diff"), from: ZSnapshotId, to: ZSnapshotId }),
]);
export type TAgentQuery = z.infer<typeof ZAgentQuery>;

export const ZQueryAnswer = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("snapshots"),
    snapshots: z.array(ZSnapshot).max(QUERY_LIMITS.maxSnapshots),
    truncated: z.boolean(),
  }),
  z.object({
    kind: z.literal("browse"),
    path: z.string(),
    entries: z.array(ZBrowseEntry).max(QUERY_LIMITS.maxEntries),
    /** Entries in the directory in all; more than `entries` when this is one page of them. */
    total: z.number().int().nonnegative(),
    offset: z.number().int().nonnegative(),
    /** Whether the agent's listing of the snapshot was already there (false: built now). */
    cached: z.boolean(),
  }),
  z.object({
    kind: z.literal("find"),
    matches: z
      .array(
        z.object({
          path: z.string(),
          type: ZBrowseEntry.shape.type,
          size: z.number().nullable(),
          mtime: z.string().nullable(),
        }),
      )
      .max(QUERY_LIMITS.maxFindMatches),
    truncated: z.boolean(),
  }),
  ZDiffResult.extend({ kind: z.literal("diff"), truncated: z.boolean() }),
]);
export type TQueryAnswer = z.infer<typeof ZQueryAnswer>;

/** The agent's answer to a query: what it read, or why it could not. */
export const ZQueryReply = z.discriminatedUnion("ok", [
  z.object({ id: z.string().min(1).max(64), ok: z.literal(true), answer: ZQueryAnswer }),
  z.object({ id: z.string().min(1).max(64), ok: z.literal(false), error: z.string().max(4000) }),
]);
export type TQueryReply = z.infer<typeof ZQueryReply>;

// --- what the web app sends ----------------------------------------------------------------

/** Which host reads: the snapshot's own by default, another with access when it is offline. */
const ZReader = z.object({
  repositoryId: ZId,
  /** The host whose agent should read, when it is online (the snapshot's host). */
  preferHostId: ZId.optional(),
});

export const ZSnapshotListInput = ZReader.extend({
  hostId: ZId.optional(),
  backupSetId: ZId.optional(),
  tag: ZTagFilter.optional(),
  from: ZDate.optional(),
  to: ZDate.optional(),
});

export const ZBrowseInput = ZReader.extend({
  snapshotId: ZSnapshotId,
  path: ZSnapshotItemPath.default("/"),
  offset: z.number().int().min(0).default(0),
});

export const ZFindInput = ZReader.extend({
  snapshotId: ZSnapshotId,
  pattern: z.string().trim().min(1).max(200),
});

export const ZSnapshotDiffInput = ZReader.extend({ from: ZSnapshotId, to: ZSnapshotId });

/** The restore wizard's request: what, from which snapshot, to where, how. */
export const ZRestoreTarget = z.discriminatedUnion("type", [
  /** Where the files were: needs `confirmOverwrite`. */
  z.object({ type: z.literal("original") }),
  /** Another directory on the snapshot's host (inside the host's allowed restore roots). */
  z.object({ type: z.literal("path"), path: ZSnapshotPath }),
  /** Another host (with access to the repository), into a directory it allows. */
  z.object({ type: z.literal("host"), hostId: ZId, path: ZSnapshotPath }),
]);
export type TRestoreTarget = z.infer<typeof ZRestoreTarget>;

export const ZRestoreRequest = z.object({
  repositoryId: ZId,
  snapshotId: ZSnapshotId,
  /** The snapshot's own host (the one whose files these are). */
  sourceHostId: ZId,
  /** Files and folders to restore; empty: the whole snapshot. */
  paths: z.array(ZSnapshotItemPath).max(1000).default([]),
  target: ZRestoreTarget,
  overwrite: z.enum(["always", "if-changed", "if-newer", "never"]).default("if-changed"),
  includes: z.array(z.string().min(1).max(4096)).max(100).optional(),
  excludes: z.array(z.string().min(1).max(4096)).max(100).optional(),
  verify: z.boolean().default(true),
  dryRun: z.boolean().default(false),
  /** Restoring over the original location: the user said yes to overwriting files there. */
  confirmOverwrite: z.boolean().default(false),
});
export type TRestoreRequest = z.input<typeof ZRestoreRequest>;

export const ZDownloadRequest = z.object({
  repositoryId: ZId,
  snapshotId: ZSnapshotId,
  path: ZSnapshotItemPath,
  /** A folder comes as an archive; a file as itself. */
  archive: z.enum(["zip", "tar"]).optional(),
  preferHostId: ZId.optional(),
});
export type TDownloadRequest = z.input<typeof ZDownloadRequest>;
