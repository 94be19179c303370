import type pg from "pg";
import type { ServerStatements, SqlRunner, SqlValue } from "./statements.js";
import { sqlDate } from "./statements.js";

type StatementListener = (sql: string) => void;

/** PostgreSQL's type ids for the types read differently here than pg reads them by default. */
const BOOL = 16;
const INT8 = 20;
const NUMERIC = 1700;
const TIMESTAMP = 1114;
const TIMESTAMPTZ = 1184;

/**
 * Rows read as they read on SQLite (see statements.ts): times as ISO text with `+00:00`,
 * booleans as 0 and 1, bigint counts as numbers. A `timestamp` column holds UTC (Prisma writes
 * it so), which pg would otherwise read as the process's local time.
 */
function typeParser(types: typeof pg.types) {
  return (oid: number, format?: "text" | "binary") => {
    switch (oid) {
      case BOOL:
        return (text: string) => (text === "t" ? 1 : 0);
      case INT8:
      case NUMERIC:
        return (text: string) => Number(text);
      case TIMESTAMP:
        return (text: string) => sqlDate(new Date(`${text.replace(" ", "T")}Z`));
      case TIMESTAMPTZ:
        return (text: string) => sqlDate(new Date(text));
      default:
        // biome-ignore lint/suspicious/noExplicitAny: pg's overloads by format
        return types.getTypeParser(oid, format as any);
    }
  };
}

/**
 * `?` placeholders as PostgreSQL's `$1, $2, …`; a `?` inside quotes ('text' or "identifier")
 * is left alone.
 */
export function numberedPlaceholders(sql: string): string {
  let out = "";
  let n = 0;
  let quote: string | undefined;
  for (const char of sql) {
    if (quote) {
      if (char === quote) quote = undefined;
      out += char;
    } else if (char === "'" || char === '"') {
      quote = char;
      out += char;
    } else if (char === "?") {
      n += 1;
      out += `$${n}`;
    } else {
      out += char;
    }
  }
  return out;
}

/** What pg binds: Dates as ISO text (a UTC `timestamp` whatever the session's zone). */
function bindable(params: SqlValue[]): unknown[] {
  return params.map((value) =>
    value instanceof Date
      ? value.toISOString()
      : typeof value === "bigint"
        ? value.toString()
        : value,
  );
}

interface Prepared {
  name: string;
  text: string;
}

/**
 * The server's own statements (see statements.ts) on the pool Prisma uses, each a named
 * prepared statement (parsed once per connection). A transaction holds one of the pool's
 * connections from BEGIN to COMMIT.
 */
export class PostgresStatements implements ServerStatements {
  readonly dialect = "postgresql";
  private readonly prepared = new Map<string, Prepared>();
  private readonly types: { getTypeParser: ReturnType<typeof typeParser> };

  constructor(
    private readonly pool: pg.Pool,
    pgTypes: typeof pg.types,
    private readonly listeners: ReadonlySet<StatementListener>,
  ) {
    this.types = { getTypeParser: typeParser(pgTypes) };
  }

  run(sql: string, ...params: SqlValue[]): Promise<{ changes: number }> {
    return runOn(this, this.pool, sql, params);
  }

  async get<T>(sql: string, ...params: SqlValue[]): Promise<T | undefined> {
    return (await this.query<T>(this.pool, sql, params)).rows[0];
  }

  async all<T>(sql: string, ...params: SqlValue[]): Promise<T[]> {
    return (await this.query<T>(this.pool, sql, params)).rows;
  }

  async transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    const tx: SqlRunner = {
      run: (sql, ...params) => runOn(this, client, sql, params),
      get: async <R>(sql: string, ...params: SqlValue[]) =>
        (await this.query<R>(client, sql, params)).rows[0],
      all: async <R>(sql: string, ...params: SqlValue[]) =>
        (await this.query<R>(client, sql, params)).rows,
    };
    let broken: Error | undefined;
    try {
      await this.control(client, "BEGIN");
      try {
        const result = await fn(tx);
        await this.control(client, "COMMIT");
        return result;
      } catch (error) {
        await this.control(client, "ROLLBACK").catch((rollbackError: Error) => {
          broken = rollbackError; // the connection is in an unknown state: not back to the pool
        });
        throw error;
      }
    } finally {
      client.release(broken);
    }
  }

  /** A transaction's BEGIN, COMMIT or ROLLBACK, as a simple query. */
  private async control(client: pg.PoolClient, sql: string): Promise<void> {
    for (const listener of this.listeners) listener(sql);
    await client.query(sql);
  }

  /** Runs `sql` on `on` (the pool or a transaction's connection); tells the listeners. */
  query<T>(
    on: pg.Pool | pg.PoolClient,
    sql: string,
    params: SqlValue[],
  ): Promise<pg.QueryResult<T & pg.QueryResultRow>> {
    for (const listener of this.listeners) listener(sql);
    let prepared = this.prepared.get(sql);
    if (!prepared) {
      prepared = { name: `rm_${this.prepared.size + 1}`, text: numberedPlaceholders(sql) };
      this.prepared.set(sql, prepared);
    }
    return on.query<T & pg.QueryResultRow>({
      name: prepared.name,
      text: prepared.text,
      values: bindable(params),
      types: this.types,
    });
  }
}

async function runOn(
  statements: PostgresStatements,
  on: pg.Pool | pg.PoolClient,
  sql: string,
  params: SqlValue[],
): Promise<{ changes: number }> {
  const result = await statements.query(on, sql, params);
  return { changes: result.rowCount ?? 0 };
}
