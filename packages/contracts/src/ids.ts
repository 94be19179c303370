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
