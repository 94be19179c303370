import { z } from "zod";
import { AppError } from "./errors.js";

/**
 * Keyset pagination: a page is "the next `limit` rows after this one" in a fixed order of
 * (sort key, id), read from an index that has the list's filters first and then (key, id). The
 * cost of a page does not depend on how deep it is, unlike OFFSET or Prisma's own id cursor
 * (which Prisma turns into an OR with a sub-select that no index serves: 3.5 s a page at
 * 1,000,000 jobs). apps/api/test/queryPlans.test.ts checks every list's plan.
 */

export type SortKey = Date | string;
export type SortDirection = "asc" | "desc";
export type Keyset = { key: SortKey; id: string };

/** Wire form of a cursor: `d` an epoch-ms date key or `s` a string key, and the row's id. */
const ZCursor = z.union([
  z.object({ d: z.number().int(), i: z.string().min(1).max(100) }).strict(),
  z.object({ s: z.string().max(300), i: z.string().min(1).max(100) }).strict(),
]);

/** An opaque token for "after this row": base64url JSON of its sort key and id. */
export function encodeCursor(row: Keyset): string {
  const body =
    row.key instanceof Date ? { d: row.key.getTime(), i: row.id } : { s: row.key, i: row.id };
  return Buffer.from(JSON.stringify(body), "utf8").toString("base64url");
}

/** The row a cursor points after; a cursor that is not one of ours is a BAD_REQUEST. */
export function decodeCursor(cursor: string | undefined | null): Keyset | null {
  if (!cursor) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw invalidCursor();
  }
  const result = ZCursor.safeParse(parsed);
  if (!result.success) throw invalidCursor();
  const body = result.data;
  if ("d" in body) {
    const key = new Date(body.d);
    if (Number.isNaN(key.getTime())) throw invalidCursor();
    return { key, id: body.i };
  }
  return { key: body.s, id: body.i };
}

function invalidCursor(): AppError {
  return new AppError("BAD_REQUEST", "Invalid cursor: ask for the first page again");
}

/** A cursor of the kind a list expects (a date key for time-ordered lists, a name otherwise). */
export function decodeCursorOf<K extends "date" | "string">(
  cursor: string | undefined | null,
  kind: K,
): (K extends "date" ? { key: Date; id: string } : { key: string; id: string }) | null {
  const after = decodeCursor(cursor);
  if (!after) return null;
  if ((kind === "date") !== after.key instanceof Date) throw invalidCursor();
  return after as never;
}

/**
 * The rows after `after` in the order `field <direction>, id <direction>`, in a form Prisma
 * can say and SQLite serves as one index range:
 *   desc: field <= k AND (field < k OR id < i)
 *   asc:  field >= k AND (field > k OR id > i)
 * The first term bounds the index range; the second only drops the few rows that share `k`.
 * (A row-value `(field, id) < (k, i)` would be the same thing, but Prisma cannot write it.)
 */
export function afterKeyset<F extends string>(
  field: F,
  direction: SortDirection,
  after: Keyset | null,
): Record<string, unknown> {
  if (!after) return {};
  const [edge, strict] = direction === "desc" ? (["lte", "lt"] as const) : (["gte", "gt"] as const);
  return {
    AND: [
      { [field]: { [edge]: after.key } },
      { OR: [{ [field]: { [strict]: after.key } }, { id: { [strict]: after.id } }] },
    ],
  };
}

/**
 * A prefix of `field` as an index range: SQLite does not serve `LIKE 'web%'` (case-insensitive
 * by default) from an index, but `field >= 'web' AND field < 'web\u{10FFFF}'` is one range.
 */
export function prefixRange<F extends string>(field: F, prefix: string | undefined) {
  if (!prefix) return {};
  return { [field]: { gte: prefix, lt: `${prefix}\u{10FFFF}` } } as Record<
    F,
    { gte: string; lt: string }
  >;
}

/** The Prisma `orderBy` matching `afterKeyset`. */
export function keysetOrder<F extends string>(field: F, direction: SortDirection) {
  return [{ [field]: direction }, { id: direction }] as Array<Record<F | "id", SortDirection>>;
}

/**
 * Cuts the `limit + 1` rows a query fetched into a page and the cursor of the next one (null
 * on the last page).
 */
export function pageOf<T extends { id: string }>(
  rows: T[],
  limit: number,
  keyOf: (row: T) => SortKey,
): { page: T[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    page,
    nextCursor:
      rows.length > limit && last ? encodeCursor({ key: keyOf(last), id: last.id }) : null,
  };
}

/**
 * The first `take` rows of several keyset queries merged in their common order. An `IN` list or
 * an `OR` of filters would make SQLite sort every match (a temp B-tree); one index range per
 * value, each cut at `take`, then merged, reads at most `take` rows from each.
 */
export function mergeKeyset<T extends { id: string }>(
  parts: T[][],
  take: number,
  keyOf: (row: T) => SortKey,
  direction: SortDirection,
): T[] {
  const sign = direction === "desc" ? -1 : 1;
  const unique = new Map(parts.flat().map((row) => [row.id, row]));
  return [...unique.values()]
    .sort((a, b) => sign * (compareKeys(keyOf(a), keyOf(b)) || compareKeys(a.id, b.id)))
    .slice(0, take);
}

function compareKeys(a: SortKey, b: SortKey): number {
  const x = a instanceof Date ? a.getTime() : a;
  const y = b instanceof Date ? b.getTime() : b;
  return x < y ? -1 : x > y ? 1 : 0;
}
