import { z } from "zod";
import { ZJobState } from "./jobs.js";

/**
 * The fleet event stream (`events.fleet`): small changes the web app applies to what it shows,
 * instead of refetching whole lists on a timer. It never carries job progress or log lines
 * (those stay on `jobs.watch`, per job).
 */
export const ZFleetEvent = z.discriminatedUnion("type", [
  /** An agent connected or went away. */
  z.object({ type: z.literal("host"), hostId: z.string(), online: z.boolean(), at: z.date() }),
  /**
   * A job changed state. A new job's first state is "queued" (or "running" for one an agent's
   * own schedule started); `created` stays true when later states were merged into it.
   */
  z.object({
    type: z.literal("job"),
    jobId: z.string(),
    state: ZJobState,
    created: z.boolean(),
    at: z.date(),
    exitCode: z.number().int().nullable(),
    error: z.string().nullable(),
  }),
  /** Alerts were raised, acknowledged, resolved or snoozed: counts and lists are out of date. */
  z.object({ type: z.literal("alerts"), at: z.date() }),
  /** Slots of schedules were marked missed or skipped, or a late run cleared a mark. */
  z.object({ type: z.literal("schedules"), at: z.date() }),
  /**
   * More changed than the stream holds for one subscriber between two sends (a reconnect storm
   * of a large fleet): everything shown may be out of date, reload it.
   */
  z.object({ type: z.literal("resync"), at: z.date() }),
]);
export type TFleetEvent = z.infer<typeof ZFleetEvent>;

/** One message of the stream: the changes since the previous one, at most one per host or job. */
export const ZFleetBatch = z.object({ events: z.array(ZFleetEvent) });
export type TFleetBatch = z.infer<typeof ZFleetBatch>;

/**
 * How often a subscriber gets a message at most, how many changes may wait for it, and after
 * how long without changes it gets an empty message: proxies close streams that stay silent
 * (nginx after 60 s), and every reconnect costs the browser a reload of what it shows.
 */
export const FLEET_EVENT_LIMITS = {
  intervalMs: 250,
  maxPending: 2000,
  keepAliveMs: 25_000,
} as const;
