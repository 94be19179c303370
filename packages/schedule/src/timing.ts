import type { TScheduleTiming } from "@restic-manager/contracts";
import { Cron } from "croner";

/** A schedule that cannot be used, with the reason in words for the form that sent it. */
export class ScheduleError extends Error {
  override readonly name = "ScheduleError";
}

const DAY_NAMES = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

function hourMinute(time: string): [number, number] {
  const [hour = "0", minute = "0"] = time.split(":");
  return [Number(hour), Number(minute)];
}

/** The cron expression a preset stands for; a cron timing is itself. */
export function cronOf(timing: TScheduleTiming): string {
  switch (timing.type) {
    case "hourly":
      return `${timing.minute} * * * *`;
    case "daily": {
      const [hour, minute] = hourMinute(timing.time);
      return `${minute} ${hour} * * *`;
    }
    case "weekly": {
      const [hour, minute] = hourMinute(timing.time);
      const days = [...new Set(timing.days)].sort((a, b) => a - b).join(",");
      return `${minute} ${hour} * * ${days}`;
    }
    case "monthly": {
      const [hour, minute] = hourMinute(timing.time);
      return `${minute} ${hour} ${timing.day} * *`;
    }
    case "cron":
      return timing.expression;
    default: {
      const exhaustive: never = timing;
      return exhaustive;
    }
  }
}

/** The timing in words, for lists and the schedule form. */
export function describeTiming(timing: TScheduleTiming): string {
  switch (timing.type) {
    case "hourly":
      return `Every hour at minute ${timing.minute}`;
    case "daily":
      return `Every day at ${timing.time}`;
    case "weekly": {
      const days = [...new Set(timing.days)].sort((a, b) => a - b);
      return `Every ${days.map((day) => DAY_NAMES[day]).join(", ")} at ${timing.time}`;
    }
    case "monthly":
      return `On day ${timing.day} of every month at ${timing.time}`;
    case "cron":
      return `Cron “${timing.expression}”`;
    default: {
      const exhaustive: never = timing;
      return exhaustive;
    }
  }
}

/** True when the runtime knows the IANA time zone. */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/**
 * The cron engine for a timing in a time zone; throws a ScheduleError naming what is wrong
 * (an expression croner refuses, a time zone that does not exist).
 */
export function cronFor(timing: TScheduleTiming, timeZone: string): Cron {
  if (!isTimeZone(timeZone)) throw new ScheduleError(`Unknown time zone "${timeZone}"`);
  try {
    return new Cron(cronOf(timing), { timezone: timeZone, paused: true });
  } catch (error) {
    const reason = (error as Error).message.replace(/^CronPattern: /, "");
    throw new ScheduleError(`Invalid cron expression: ${reason}`);
  }
}
