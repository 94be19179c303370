import { z } from "zod";

/** How many copies `serverBackups.list` returns at most, newest first. */
export const SERVER_BACKUP_LIST_LIMIT = 100;

/** What started a copy of the server's database. */
export const SERVER_BACKUP_TRIGGERS = ["schedule", "request"] as const;
export const ZServerBackupTrigger = z.enum(SERVER_BACKUP_TRIGGERS);
export type TServerBackupTrigger = z.infer<typeof ZServerBackupTrigger>;

/** One copy of the database in the backups directory. */
export const ZServerBackupCopy = z.object({
  /** The file's name, `restic-manager-<UTC time>.db`. */
  name: z.string(),
  sizeBytes: z.number().int().nonnegative(),
  /** When the copy was taken (from its name, which is what orders and prunes them). */
  takenAt: z.date(),
});
export type TServerBackupCopy = z.infer<typeof ZServerBackupCopy>;

/** How the last copy went: the copy made, or why there is none. */
export const ZServerBackupRun = z.discriminatedUnion("ok", [
  z.object({
    ok: z.literal(true),
    trigger: ZServerBackupTrigger,
    startedAt: z.date(),
    finishedAt: z.date(),
    copy: ZServerBackupCopy,
    /** Older copies deleted to keep the configured number. */
    pruned: z.array(z.string()),
  }),
  z.object({
    ok: z.literal(false),
    trigger: ZServerBackupTrigger,
    startedAt: z.date(),
    finishedAt: z.date(),
    error: z.string(),
  }),
]);
export type TServerBackupRun = z.infer<typeof ZServerBackupRun>;
