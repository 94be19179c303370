import { z } from "zod";
import { ZBackupOptions } from "./jobs.js";

/** The repository kinds restic knows, by the prefix of the repository string. */
export const REPOSITORY_KINDS = [
  "rest",
  "sftp",
  "s3",
  "b2",
  "azure",
  "gs",
  "swift",
  "rclone",
  "local",
] as const;
export type TRepositoryKind = (typeof REPOSITORY_KINDS)[number];

/** `rest:https://…` → rest; `/srv/restic`, `C:\backups`, `\\server\share` → local. */
export function repositoryKind(url: string): TRepositoryKind | undefined {
  const trimmed = url.trim();
  if (/^(\/|[A-Za-z]:[\\/]|\\\\)/.test(trimmed)) return "local";
  const prefix = /^([a-z0-9]+):/.exec(trimmed)?.[1];
  return REPOSITORY_KINDS.find((kind) => kind !== "local" && kind === prefix);
}

export const ZRepositoryUrl = z
  .string()
  .trim()
  .min(1, "The repository is required")
  .max(2000)
  .refine((url) => repositoryKind(url) !== undefined, {
    message:
      "Unknown kind of repository: use rest:, sftp:, s3:, b2:, azure:, gs:, swift:, rclone: or an absolute local path",
  });

export const ZRepositoryEnv = z.record(
  z.string().regex(/^[A-Z][A-Z0-9_]*$/, "Variable names are upper case letters, digits and _"),
  z.string().max(4000),
);

export const ZRepositoryName = z.string().trim().min(1, "Name is required").max(100);

/** Full rights for the one host that may forget, prune and unlock. */
export const ZMaintenanceInput = z.object({
  url: ZRepositoryUrl,
  env: ZRepositoryEnv.default({}),
  hostId: z.string().min(1, "Choose the maintenance host"),
});

export const ZRepositoryCreateInput = z.object({
  name: ZRepositoryName,
  url: ZRepositoryUrl,
  password: z.string().min(1, "The repository password is required").max(1000),
  env: ZRepositoryEnv.default({}),
  maintenance: ZMaintenanceInput.optional(),
  /** init: create the repository; adopt: check the password and read its id. */
  setup: z.object({
    mode: z.enum(["init", "adopt"]),
    hostId: z.string().min(1, "Choose the host that sets it up"),
  }),
});
export type TRepositoryCreateInput = z.input<typeof ZRepositoryCreateInput>;

/** Secrets are write-only: a field left out keeps its stored value. */
export const ZRepositoryUpdateInput = z.object({
  id: z.string().min(1),
  name: ZRepositoryName.optional(),
  url: ZRepositoryUrl.optional(),
  password: z.string().min(1).max(1000).optional(),
  env: ZRepositoryEnv.optional(),
  /**
   * null removes the maintenance endpoint and host. Its url and env may be left out to keep
   * the stored ones (they are write-only), e.g. to change only the host.
   */
  maintenance: z
    .object({
      url: ZRepositoryUrl.optional(),
      env: ZRepositoryEnv.optional(),
      hostId: z.string().min(1, "Choose the maintenance host"),
    })
    .nullable()
    .optional(),
});
export type TRepositoryUpdateInput = z.input<typeof ZRepositoryUpdateInput>;

/**
 * What a backup set may set beyond its paths: an allow-list of restic's backup options, no
 * free-form flags (a flag could name a command for restic to run).
 */
export const ZBackupSetOptions = ZBackupOptions.pick({
  paths: true,
  excludes: true,
  iexcludes: true,
  excludeIfPresent: true,
  excludeCaches: true,
  excludeLargerThan: true,
  oneFileSystem: true,
  tags: true,
  useFsSnapshot: true,
  skipIfUnchanged: true,
  limitUpload: true,
  compression: true,
}).strict();
export type TBackupSetOptions = z.infer<typeof ZBackupSetOptions>;

export const ZBackupSetInput = z.object({
  name: z.string().trim().min(1, "Name is required").max(100),
  hostId: z.string().min(1),
  repositoryId: z.string().min(1),
  options: ZBackupSetOptions,
});
export type TBackupSetInput = z.input<typeof ZBackupSetInput>;

/** The tags every snapshot of a backup set carries, so forget can be scoped to it. */
export function backupSetTags(hostId: string, setId: string): string[] {
  return [`rm-host:${hostId}`, `rm-set:${setId}`];
}
