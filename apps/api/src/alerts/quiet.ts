import { z } from "zod";

/** A host's quiet time: on these days (0 = Sunday), from one time to another, in its zone. */
export const ZMaintenanceWindow = z
  .object({
    days: z.array(z.number().int().min(0).max(6)).min(1).max(7),
    from: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "Use HH:MM"),
    to: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "Use HH:MM"),
  })
  .refine((w) => w.from !== w.to, { message: "A window must not start and end at the same time" });
export type TMaintenanceWindow = z.infer<typeof ZMaintenanceWindow>;

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/** The weekday and minute of the day of `at` in `timeZone`. */
function localTime(at: Date, timeZone: string): { day: number; minute: number } {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    weekday: "short",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(at);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return {
    day: WEEKDAYS.indexOf(part("weekday")),
    minute: Number(part("hour")) * 60 + Number(part("minute")),
  };
}

const minuteOf = (time: string) => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));

/**
 * Whether `at` falls in one of the windows (stored JSON). A window that ends before it starts
 * runs over midnight into the next day ("Fri 22:00–06:00" covers Saturday morning too).
 */
export function inQuietTime(windowsJson: string, timeZone: string, at: Date): boolean {
  const parsed = z.array(ZMaintenanceWindow).safeParse(JSON.parse(windowsJson));
  if (!parsed.success || parsed.data.length === 0) return false;
  const { day, minute } = localTime(at, timeZone);
  return parsed.data.some((window) => {
    const from = minuteOf(window.from);
    const to = minuteOf(window.to);
    if (from < to) return window.days.includes(day) && minute >= from && minute < to;
    // Over midnight: the evening of a listed day, or the morning after it.
    return (
      (window.days.includes(day) && minute >= from) ||
      (window.days.includes((day + 6) % 7) && minute < to)
    );
  });
}
