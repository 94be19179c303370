/**
 * The server's own statements: the few paths every job and every agent runs (a job's creation,
 * start, progress and end; an agent's connect; a session's check) go around Prisma, whose
 * cost per statement is many times the statement's own (`pnpm -C bench sqlite`: 600–700 µs for
 * a read by id against 13–17 µs). Everything else stays on Prisma.
 *
 * One interface over both databases. SQL is written once, for both: `?` placeholders, quoted
 * identifiers, nothing either lacks. Rows read the same on both: times as ISO 8601 text with
 * `+00:00` (as Prisma's SQLite adapter stores them), booleans as 0 and 1, counts as numbers.
 */

/** What a statement binds. Dates and booleans are turned into what each database stores. */
export type SqlValue = string | number | bigint | boolean | Date | null;

export interface SqlRunner {
  /** Runs a write; `changes` is how many rows it changed. */
  run(sql: string, ...params: SqlValue[]): Promise<{ changes: number }>;
  /** The first row, or undefined. */
  get<T>(sql: string, ...params: SqlValue[]): Promise<T | undefined>;
  all<T>(sql: string, ...params: SqlValue[]): Promise<T[]>;
}

export interface ServerStatements extends SqlRunner {
  readonly dialect: "sqlite" | "postgresql";
  /**
   * Runs `fn`'s statements in one transaction: all of them or none (rolled back if it throws).
   * Statements must go through `tx`, not the outer runner.
   */
  transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T>;
}

/** A time as the Prisma adapter stores it on SQLite (ISO 8601, `+00:00`), so both compare as text. */
export function sqlDate(date: Date): string {
  return date.toISOString().replace("Z", "+00:00");
}
