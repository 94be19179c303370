import { z } from "zod";

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
