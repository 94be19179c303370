import { z } from "zod";
import { ZId } from "./ids.js";
import { ZDrillOptions, ZPruneOptions } from "./jobs.js";

/** `HH:MM`, 24-hour, in the schedule's time zone. */
export const ZTimeOfDay = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, "Use a time such as 02:30 (24-hour, HH:MM)");

/**
 * When a schedule fires: a preset or a cron expression (five fields, or six with seconds),
 * always in the schedule's time zone.
 */
export const ZScheduleTiming = z.discriminatedUnion("type", [
  z.object({ type: z.literal("hourly"), minute: z.number().int().min(0).max(59) }),
  z.object({ type: z.literal("daily"), time: ZTimeOfDay }),
  z.object({
    type: z.literal("weekly"),
    /** 0 = Sunday … 6 = Saturday. */
    days: z.array(z.number().int().min(0).max(6)).min(1, "Choose at least one day").max(7),
    time: ZTimeOfDay,
  }),
  z.object({ type: z.literal("monthly"), day: z.number().int().min(1).max(28), time: ZTimeOfDay }),
  z.object({ type: z.literal("cron"), expression: z.string().trim().min(1).max(120) }),
]);
export type TScheduleTiming = z.infer<typeof ZScheduleTiming>;

/** An IANA time zone name; whether it exists is checked where time zones are known. */
export const ZTimeZone = z.string().min(1).max(64);

/**
 * What a schedule runs. A backup, forget or restore drill belongs to a backup set; prune and
 * check to a repository.
 */
export const SCHEDULE_KINDS = ["backup", "forget", "prune", "check", "drill"] as const;
export const ZScheduleKind = z.enum(SCHEDULE_KINDS);
export type TScheduleKind = z.infer<typeof ZScheduleKind>;

/** The kinds a backup set owns; the others belong to its repository. */
export const SET_SCHEDULE_KINDS: readonly TScheduleKind[] = ["backup", "forget", "drill"];

/** A slot that comes while the previous run of the schedule is still going: skip it, or run after. */
export const SCHEDULE_OVERLAPS = ["skip", "wait"] as const;
export const ZScheduleOverlap = z.enum(SCHEDULE_OVERLAPS);

/** Why a slot has no run: nobody reported one in time, or the agent skipped it on purpose. */
export const MISS_REASONS = ["missed", "skipped"] as const;
export const ZMissReason = z.enum(MISS_REASONS);

/**
 * Prune: how much unused space to tolerate. Check: read the data in `readDataParts` turns.
 * Drill: how many files (and bytes, at most) each run restores and verifies.
 */
export const ZScheduleOptions = z.object({
  maxUnused: ZPruneOptions.shape.maxUnused,
  /** A scheduled check reads part n of N (`--read-data-subset n/N`), n rotating run by run. */
  readDataParts: z.number().int().min(1).max(365).optional(),
  /** A drill's sample: at most this many files (20 unless set). */
  sampleFiles: ZDrillOptions.shape.sampleFiles.unwrap().optional(),
  /** A drill's sample: at most this many bytes in all. */
  sampleBytes: ZDrillOptions.shape.sampleBytes,
});
export type TScheduleOptions = z.infer<typeof ZScheduleOptions>;

const ZScheduleFields = z.object({
  timing: ZScheduleTiming,
  /** Null: the host's own time zone. */
  timeZone: ZTimeZone.nullable().default(null),
  /** Each host starts at a stable offset inside this many minutes after the slot. */
  spreadMinutes: z
    .number()
    .int()
    .min(0)
    .max(24 * 60)
    .default(0),
  /** A slot missed (host asleep, agent stopped) is run once on return within this; null: one interval. */
  catchUpMinutes: z
    .number()
    .int()
    .min(0)
    .max(31 * 24 * 60)
    .nullable()
    .default(null),
  overlap: ZScheduleOverlap.default("skip"),
  options: ZScheduleOptions.default({}),
  paused: z.boolean().default(false),
});

export const ZScheduleCreateInput = ZScheduleFields.extend({
  kind: ZScheduleKind,
  /** For backup, forget and drill. */
  backupSetId: ZId.optional(),
  /** For prune and check. */
  repositoryId: ZId.optional(),
  /** For a drill: the host that restores the sample; the set's own host unless given. */
  hostId: ZId.optional(),
})
  .refine((s) => (SET_SCHEDULE_KINDS.includes(s.kind) ? !!s.backupSetId : !!s.repositoryId), {
    message:
      "A backup, forget or drill schedule needs a backup set; prune and check need a repository",
  })
  .refine((s) => s.hostId === undefined || s.kind === "drill", {
    message: "Only a drill schedule runs on a host of your choice",
    path: ["hostId"],
  });
export type TScheduleCreateInput = z.input<typeof ZScheduleCreateInput>;
export type TScheduleCreate = z.output<typeof ZScheduleCreateInput>;

export const ZScheduleUpdateInput = ZScheduleFields.extend({ id: ZId });
export type TScheduleUpdateInput = z.input<typeof ZScheduleUpdateInput>;

export const ZSchedulePauseInput = z.object({ id: ZId, paused: z.boolean() });

/** The form's live preview: the timing in words and the next runs, or why it is refused. */
export const ZSchedulePreviewInput = z.object({
  timing: ZScheduleTiming,
  timeZone: ZTimeZone.nullable().default(null),
  spreadMinutes: z
    .number()
    .int()
    .min(0)
    .max(24 * 60)
    .default(0),
  /** The host whose zone and spread apply; without one, UTC and no spread. */
  hostId: ZId.optional(),
  count: z.number().int().min(1).max(20).default(5),
});

export const ZScheduleListInput = z
  .object({
    hostId: ZId.optional(),
    repositoryId: ZId.optional(),
    backupSetId: ZId.optional(),
    kind: ZScheduleKind.optional(),
    paused: z.boolean().optional(),
    limit: z.number().int().min(1).max(200).default(50),
    /** The `nextCursor` of the previous page. */
    cursor: z.string().max(200).optional(),
  })
  .default({ limit: 50 });
export type TScheduleListInput = z.input<typeof ZScheduleListInput>;

export const ZMissListInput = z.object({
  scheduleId: ZId.optional(),
  hostId: ZId.optional(),
  limit: z.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});
