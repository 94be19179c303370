import type { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";

/*
 * What this file uses of better-sqlite3, declared here rather than imported: the module's own
 * declaration (src/types) is not in the programs of the packages that import the API's
 * router type, and this file is reachable from it.
 */
interface Statement {
  readonly reader: boolean;
  run(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  raw(toggle?: boolean): Statement;
  columns(): unknown[];
}

interface Database {
  prepare(source: string): Statement;
}

/**
 * Prepared statements kept per SQL text. The Prisma adapter prepares every statement again on
 * each call (`client.prepare(sql).bind(args)`), which costs more than running it: compiling
 * the SQL is most of a point read. Prisma writes the same few hundred SQL texts over and over,
 * so they are kept, least recently used dropped past the limit (texts with `IN (?, ?, …)`
 * lists or multi-row inserts vary with their length).
 *
 * Safe to share one statement between calls because better-sqlite3 is synchronous and the
 * adapter only uses `.run()` and `.raw().all()`, which finish before they return: no call
 * holds a statement (an iterator) across an await.
 */
const CACHED_STATEMENTS = 500;

type Adapter = Awaited<ReturnType<PrismaBetterSQLite3["connect"]>>;
type StatementListener = (sql: string) => void;

/** What the adapter calls on what `prepare` returns: parameters bound per call, not for good. */
class CachedStatement {
  private params: unknown[] = [];

  constructor(private readonly statement: Statement) {}

  get reader(): boolean {
    return this.statement.reader;
  }

  columns() {
    return this.statement.columns();
  }

  bind(...params: unknown[]): this {
    this.params = params;
    return this;
  }

  run() {
    return this.statement.run(...this.params);
  }

  raw() {
    const statement = this.statement.raw(true);
    const params = this.params;
    return { all: () => statement.all(...params) };
  }
}

/**
 * An adapter factory that hands Prisma the better-sqlite3 adapter with its `prepare` served
 * from a cache, and tells listeners (tests counting statements) about each statement run.
 */
export class CachingSQLiteAdapterFactory {
  readonly provider: PrismaBetterSQLite3["provider"];
  readonly adapterName: string;
  private readonly listeners = new Set<StatementListener>();

  constructor(private readonly inner: PrismaBetterSQLite3) {
    this.provider = inner.provider;
    this.adapterName = inner.adapterName;
  }

  async connect(): Promise<Adapter> {
    const adapter = await this.inner.connect();
    // The adapter keeps its better-sqlite3 Database as `client`, for itself and its transactions.
    const client = (adapter as unknown as { client: Database }).client;
    this.cachePrepare(client);
    return adapter;
  }

  connectToShadowDb(): Promise<Adapter> {
    return this.inner.connectToShadowDb();
  }

  /** Calls `listener` with the SQL of every statement run from now on; returns the unsubscribe. */
  onStatement(listener: StatementListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private cachePrepare(client: Database): void {
    const prepare = client.prepare.bind(client);
    const cache = new Map<string, Statement>();
    const listeners = this.listeners;
    client.prepare = (sql: string) => {
      for (const listener of listeners) listener(sql);
      let statement = cache.get(sql);
      if (statement) {
        cache.delete(sql); // re-inserted below: the Map's order is the recency order
      } else {
        statement = prepare(sql);
        if (cache.size >= CACHED_STATEMENTS) {
          const oldest = cache.keys().next();
          if (!oldest.done) cache.delete(oldest.value);
        }
      }
      cache.set(sql, statement);
      return new CachedStatement(statement) as unknown as Statement;
    };
  }
}
