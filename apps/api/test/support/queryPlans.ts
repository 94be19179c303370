import { AsyncLocalStorage } from "node:async_hooks";
import Database from "better-sqlite3";

/**
 * The SQL the server really runs, caught where it reaches SQLite, and SQLite's own plan for it.
 *
 * better-sqlite3's Statement methods are wrapped, so whatever prepares the statement (the Prisma
 * adapter, a cache of statements in front of it) every execution is seen with its parameters.
 * Only statements run inside `capture()` are kept: the server's timers run their own queries
 * meanwhile, which are no part of the call being checked.
 */

export interface RawStatement {
  readonly source: string;
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): { changes: number };
  get(...params: unknown[]): unknown;
}

export interface RawDb {
  prepare(sql: string): RawStatement;
  exec(sql: string): void;
  pragma(sql: string): unknown;
  transaction<T>(fn: () => T): () => T;
  close(): void;
}

/** A raw better-sqlite3 connection (the server's own connection stays Prisma's). */
export function openRaw(file: string): RawDb {
  return new (Database as unknown as new (file: string) => RawDb)(file);
}

export interface CapturedQuery {
  sql: string;
  params: unknown[];
}

const scope = new AsyncLocalStorage<CapturedQuery[]>();
const BOUND = Symbol("bound parameters");
let installed = false;

type StatementMethod = (
  this: RawStatement & { [BOUND]?: unknown[] },
  ...args: unknown[]
) => unknown;

function install(): void {
  if (installed) return;
  installed = true;
  const probe = openRaw(":memory:");
  const proto = Object.getPrototypeOf(probe.prepare("SELECT 1")) as Record<string, StatementMethod>;
  probe.close();
  const flat = (args: unknown[]) =>
    args.length === 1 && Array.isArray(args[0]) ? (args[0] as unknown[]) : args;
  const bind = proto.bind as StatementMethod;
  proto.bind = function (...args) {
    this[BOUND] = flat(args);
    return bind.apply(this, args);
  };
  for (const name of ["all", "get", "run", "iterate"]) {
    const original = proto[name] as StatementMethod;
    proto[name] = function (...args) {
      scope.getStore()?.push({
        sql: this.source,
        params: args.length > 0 ? flat(args) : (this[BOUND] ?? []),
      });
      return original.apply(this, args);
    };
  }
}

/** Runs `call` and returns its result with every statement it ran. */
export async function capture<T>(
  call: () => Promise<T>,
): Promise<{ result: T; queries: CapturedQuery[] }> {
  install();
  const queries: CapturedQuery[] = [];
  const result = await scope.run(queries, call);
  return { result, queries: queries.filter((q) => /^\s*(SELECT|WITH)\b/i.test(q.sql)) };
}

/** Tables that grow with the fleet or its history: none may be read whole. */
export const BIG_TABLES = [
  "Job",
  "JobLog",
  "Host",
  "AuditEvent",
  "Alert",
  "AlertEvent",
  "Schedule",
  "ScheduleMiss",
  "BackupSet",
  "AlertDelivery",
  "DeliveryAttempt",
  "EnrollmentToken",
];

/** SQLite's plan for a statement, one line per step. */
export function explain(raw: RawDb, query: CapturedQuery): string[] {
  const params = query.params.map((value) => (typeof value === "boolean" ? Number(value) : value));
  const rows = raw.prepare(`EXPLAIN QUERY PLAN ${query.sql}`).all(...params) as Array<{
    detail: string;
  }>;
  return rows.map((row) => row.detail);
}

/**
 * What is wrong with a plan: a sort of the matches (a temp B-tree), or a big table read other
 * than through an index range. A `SCAN … USING INDEX` is allowed only for a statement with no
 * WHERE and a LIMIT: the first page of an unfiltered list walks the index in its order and
 * stops after the page.
 */
export function planProblems(query: CapturedQuery, plan: string[]): string[] {
  const problems: string[] = [];
  // Prisma writes "WHERE 1=1" for no filter at all.
  const sql = query.sql.replace(/\bWHERE 1=1\b/g, "");
  const bounded = /\bLIMIT\b/i.test(sql) && !/\bWHERE\b/i.test(sql);
  for (const step of plan) {
    if (/TEMP B-TREE/.test(step)) problems.push(step);
    const scan = /^SCAN (?:\w+\.)?(\w+)/.exec(step);
    if (scan && BIG_TABLES.includes(scan[1] ?? "")) {
      if (!(bounded && /USING (COVERING )?INDEX/.test(step))) problems.push(step);
    }
  }
  return problems;
}

/** Every statement of a call with its plan and its problems, for assertions and messages. */
export function checkPlans(raw: RawDb, queries: CapturedQuery[]) {
  return queries.map((query) => {
    const plan = explain(raw, query);
    return { sql: query.sql, plan, problems: planProblems(query, plan) };
  });
}
