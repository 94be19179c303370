import { STATS_MODES, type TOperationKind } from "@restic-manager/contracts";
import { BACKUP_FIELDS, FORGET_FIELDS } from "./backupForgetFields";
import {
  checkbox,
  lines,
  type OperationField,
  type OperationSpec,
  SNAPSHOT_HINT,
  snapshotFilters,
  text,
} from "./fields";

function snapshot(name: string, label: string, initial = "latest"): OperationField {
  return text(name, label, { initial, hint: SNAPSHOT_HINT });
}

export const OPERATIONS: Record<TOperationKind, OperationSpec> = {
  backup: {
    label: "Backup",
    description: "Back up files from this host into a new snapshot.",
    fields: BACKUP_FIELDS,
  },
  snapshots: {
    label: "List snapshots",
    description: "The snapshots in the repository, optionally filtered.",
    fields: [
      ...snapshotFilters("Filters"),
      {
        name: "latest",
        label: "Only the latest",
        control: "number",
        section: "Filters",
        hint: "The last N per host and path set.",
      },
    ],
  },
  restore: {
    label: "Restore",
    description: "Restore files from a snapshot onto this host.",
    fields: [
      snapshot("snapshotId", "Snapshot"),
      text("target", "Restore into", {
        placeholder: "/srv/restore",
        hint: "A directory on this host.",
      }),
      lines("includes", "Only these paths", { placeholder: "/home/alice" }),
      lines("excludes", "Leave out these paths", {
        hint: "Either includes or excludes, not both.",
      }),
      {
        name: "overwrite",
        label: "Overwrite existing files",
        control: "select",
        advanced: true,
        options: [
          { value: "", label: "restic's default (always)" },
          { value: "always", label: "always" },
          { value: "if-changed", label: "if changed" },
          { value: "if-newer", label: "if newer" },
          { value: "never", label: "never" },
        ],
      },
      {
        name: "limitDownload",
        label: "Limit download (KiB/s)",
        control: "number",
        placeholder: "no limit",
      },
      checkbox("delete", "Delete files not in the snapshot", {
        hint: "Makes the target match it.",
      }),
      checkbox("verify", "Verify restored files"),
      checkbox("dryRun", "Dry run", { hint: "Show what would be restored; write nothing." }),
    ],
  },
  forget: {
    label: "Forget",
    description: "Remove snapshots by a retention policy or by id; prune to free their space.",
    fields: FORGET_FIELDS,
  },
  prune: {
    label: "Prune",
    description: "Delete data that no snapshot refers to any more.",
    fields: [
      text("maxUnused", "Unused space to tolerate", {
        placeholder: "5%",
        hint: "A percentage, a size or unlimited.",
      }),
      text("maxRepackSize", "Repack at most", { placeholder: "10G", advanced: true }),
      checkbox("repackCacheableOnly", "Repack only metadata", { advanced: true }),
      checkbox("dryRun", "Dry run", { hint: "Only show what would be deleted." }),
    ],
  },
  check: {
    label: "Check",
    description: "Verify the repository's structure and, optionally, read back its data.",
    fields: [
      text("readDataSubset", "Read a subset of the data", {
        placeholder: "10%",
        hint: "n/t (part n of t), x% or a size such as 500M.",
      }),
      checkbox("readData", "Read all data", { hint: "Downloads the whole repository." }),
      checkbox("withCache", "Use the local cache"),
    ],
  },
  stats: {
    label: "Statistics",
    description: "Sizes and counts for the repository or the chosen snapshots.",
    fields: [
      {
        name: "mode",
        label: "Mode",
        control: "select",
        initial: "restore-size",
        options: STATS_MODES.map((mode) => ({ value: mode, label: mode })),
      },
      lines("snapshotIds", "Snapshots", { hint: "Ids or latest, one per line; empty: all." }),
      ...snapshotFilters("Filters", true),
    ],
  },
  ls: {
    label: "List files",
    description: "The files and directories in a snapshot.",
    fields: [
      snapshot("snapshotId", "Snapshot"),
      lines("paths", "Directories", { hint: "One per line; empty lists the whole snapshot." }),
      checkbox("recursive", "Include subdirectories"),
    ],
  },
  diff: {
    label: "Compare snapshots",
    description: "What changed between two snapshots.",
    fields: [
      snapshot("from", "From snapshot", ""),
      snapshot("to", "To snapshot"),
      checkbox("metadata", "Include metadata-only changes"),
    ],
  },
  dump: {
    label: "Dump a file",
    description: "Write a file (or a directory, as an archive) from a snapshot to this host.",
    fields: [
      snapshot("snapshotId", "Snapshot"),
      text("path", "Path in the snapshot", { placeholder: "/etc/hosts" }),
      {
        name: "archive",
        label: "Archive format",
        control: "select",
        options: [
          { value: "", label: "None (a single file)" },
          { value: "tar", label: "tar" },
          { value: "zip", label: "zip" },
        ],
      },
      text("target", "Write to", {
        placeholder: "/tmp/hosts.restored",
        hint: "A file on this host that does not exist yet.",
      }),
    ],
  },
  unlock: {
    label: "Unlock",
    description: "Remove stale locks left behind by restic processes that died.",
    fields: [
      checkbox("removeAll", "Remove all locks", {
        hint: "Only when no other restic uses the repository.",
      }),
    ],
  },
  init: {
    label: "Initialise repository",
    description: "Create the repository. Run it once, before the first backup.",
    fields: [],
  },
  "cat-config": {
    label: "Repository config",
    description: "The repository's id and format version.",
    fields: [],
  },
  "list-locks": {
    label: "List locks",
    description: "The locks currently held on the repository.",
    fields: [],
  },
  health: {
    label: "Repository health",
    description: "Snapshots per host, sizes and locks: what the repository's health card shows.",
    fields: [],
  },
  drill: {
    label: "Restore drill",
    description:
      "Restores a random sample of files from the latest snapshot with these tags into a temporary directory, verifies each against the snapshot, and removes the sample.",
    fields: [
      lines("tags", "Snapshot tags", { hint: "The set's tag, such as rm-set:<id>. One per line." }),
      {
        name: "sampleFiles",
        label: "Files to sample",
        control: "number",
        hint: "At most this many files (default 20).",
      },
      {
        name: "sampleBytes",
        label: "Bytes to sample",
        control: "number",
        hint: "At most this many bytes in all.",
      },
    ],
  },
  version: {
    label: "restic version",
    description: "The restic version installed on this host.",
    fields: [],
  },
};
