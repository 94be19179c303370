import { z } from "zod";

/** A row id (cuid, prefixed random id). */
export const ZId = z.string().min(1).max(64);
/** The input of every procedure that names one row. */
export const ZById = z.object({ id: ZId });

/**
 * A stored string as the union it belongs to (a job's state, a user's role). The database
 * keeps them as text; a value outside the union is a bug worth failing on, not a type to widen.
 */
export function narrow<const T extends string>(members: readonly T[], value: string): T {
  if (!(members as readonly string[]).includes(value)) {
    throw new Error(`unexpected value "${value}" (expected one of ${members.join(", ")})`);
  }
  return value as T;
}

/**
 * A time as the server stores it: from 1970 to the year 9999. Both databases keep times in that
 * range (PostgreSQL cannot read an ISO time of a five-digit year back), and nothing later or
 * earlier is a real time of a backup.
 */
export const ZDate = z.coerce
  .date()
  .min(new Date("1970-01-01T00:00:00.000Z"), "must be a time from 1970 on")
  .max(new Date("9999-12-31T23:59:59.999Z"), "must be a time before the year 10000");
