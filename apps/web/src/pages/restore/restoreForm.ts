import type { RestoreRequest } from "../../lib/api-types";
import type { EntryType } from "../snapshots/selection";

/** The snapshot a restore reads from, as the browser knows it. */
export interface RestoreSource {
  repositoryId: string;
  snapshotId: string;
  shortId: string;
  time: Date | undefined;
  /** The snapshot's own host: where "original location" and "another path" write. */
  hostId: string;
  hostName: string;
}

export type TargetType = "original" | "path" | "host";
export type OverwritePolicy = "always" | "if-changed" | "if-newer" | "never";

/** The wizard's choices as the fields hold them. */
export interface RestoreDraft {
  target: TargetType;
  path: string;
  hostId: string;
  overwrite: OverwritePolicy;
  includes: string;
  excludes: string;
  verify: boolean;
  dryRun: boolean;
  confirmOverwrite: boolean;
}

export const INITIAL_DRAFT: RestoreDraft = {
  target: "path",
  path: "",
  hostId: "",
  overwrite: "if-changed",
  includes: "",
  excludes: "",
  verify: true,
  dryRun: false,
  confirmOverwrite: false,
};

export const OVERWRITE_CHOICES: { value: OverwritePolicy; label: string; hint: string }[] = [
  {
    value: "if-changed",
    label: "If changed",
    hint: "Replace files whose content differs from the snapshot (restic's default).",
  },
  {
    value: "if-newer",
    label: "If newer",
    hint: "Replace files only when the snapshot's is newer.",
  },
  { value: "always", label: "Always", hint: "Write every file, whatever is there." },
  { value: "never", label: "Never", hint: "Leave existing files alone; only write missing ones." },
];

export function overwriteLabel(policy: OverwritePolicy): string {
  return OVERWRITE_CHOICES.find((choice) => choice.value === policy)?.label.toLowerCase() ?? policy;
}

/** One pattern per line, blank lines dropped. */
export function patternLines(text: string): string[] {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
}

function isAbsolute(path: string): boolean {
  return path.startsWith("/") || /^[A-Za-z]:[\\/]/.test(path);
}

/** What the target step needs before going on; the server checks the allowed roots again. */
export function targetErrors(draft: RestoreDraft): Record<string, string> {
  const errors: Record<string, string> = {};
  if (draft.target === "host" && !draft.hostId) errors.hostId = "Pick the host to restore to";
  if (draft.target !== "original") {
    if (!draft.path.trim()) errors.path = "Give the directory to restore into";
    else if (!isAbsolute(draft.path.trim())) errors.path = "The directory must be an absolute path";
  }
  return errors;
}

/** restic takes either files to include (the picked ones count) or patterns to exclude. */
export function optionErrors(draft: RestoreDraft, pickedCount: number): Record<string, string> {
  if (patternLines(draft.excludes).length === 0) return {};
  if (pickedCount > 0) {
    return { excludes: "Excludes apply to a whole-snapshot restore: clear the picked items first" };
  }
  if (patternLines(draft.includes).length > 0) {
    return { excludes: "Give includes or excludes, not both" };
  }
  return {};
}

export function toRestoreRequest(
  source: RestoreSource,
  picked: ReadonlyMap<string, EntryType>,
  draft: RestoreDraft,
): RestoreRequest {
  const path = draft.path.trim();
  const includes = patternLines(draft.includes);
  const excludes = patternLines(draft.excludes);
  return {
    repositoryId: source.repositoryId,
    snapshotId: source.snapshotId,
    sourceHostId: source.hostId,
    paths: [...picked.keys()],
    target:
      draft.target === "original"
        ? { type: "original" }
        : draft.target === "path"
          ? { type: "path", path }
          : { type: "host", hostId: draft.hostId, path },
    overwrite: draft.overwrite,
    ...(includes.length > 0 ? { includes } : {}),
    ...(excludes.length > 0 ? { excludes } : {}),
    verify: draft.verify,
    dryRun: draft.dryRun,
    confirmOverwrite: draft.target === "original" && draft.confirmOverwrite,
  };
}
