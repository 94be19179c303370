import type { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";

/*
 * What this file uses of better-sqlite3, declared here rather than imported: the module's own
 * declaration (src/types) is not in the programs of the packages that import the API's
 * router type, and this file is reachable from it.
 */
interface Statement {
  readonly reader: boolean;
  run(...params: unknown[]): { changes: number };
  all(...params: unknown[]): unknown[];
  get(...params: unknown[]): unknown;
  raw(toggle?: boolean): Statement;
  columns(): unknown[];
  safeIntegers(toggle?: boolean): Statement;
}

interface Database {
  prepare(source: string): Statement;
  readonly inTransaction: boolean;
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
/** How often a write waiting for Prisma's transaction to end looks again, besides being told. */
const TRANSACTION_POLL_MS = 5;

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
  private client: Database | undefined;
  /** better-sqlite3's own prepare, before the cache took its place. */
  private prepareOwn: ((sql: string) => Statement) | undefined;
  private directStatements: DirectStatements | undefined;
  /** Resolved when the Prisma transaction open now ends (see `direct`). */
  private transactionEnded: Array<() => void> = [];

  constructor(private readonly inner: PrismaBetterSQLite3) {
    this.provider = inner.provider;
    this.adapterName = inner.adapterName;
  }

  async connect(): Promise<Adapter> {
    const adapter = await this.inner.connect();
    // The adapter keeps its better-sqlite3 Database as `client`, for itself and its transactions.
    const client = (adapter as unknown as { client: Database }).client;
    this.cachePrepare(client);
    this.watchTransactions(adapter);
    this.client = client;
    return adapter;
  }

  /**
   * Statements of the server's own, prepared once on the connection Prisma uses, for the few
   * paths that run for every job and every agent (see DirectStatements). Undefined until
   * Prisma has connected (openDatabase makes sure it has).
   */
  direct(): DirectStatements {
    if (!this.prepareOwn) throw new Error("the database is not open yet");
    this.directStatements ??= new DirectStatements(this.prepareOwn, this.listeners, () =>
      this.noTransaction(),
    );
    return this.directStatements;
  }

  /**
   * Waits until no Prisma transaction is open on the connection: told when an interactive one
   * ends, and looking again every few milliseconds for any other kind.
   */
  private async noTransaction(): Promise<void> {
    while (this.client?.inTransaction) {
      await new Promise<void>((resolve) => {
        this.transactionEnded.push(resolve);
        setTimeout(resolve, TRANSACTION_POLL_MS);
      });
    }
  }

  /** Tells waiters when each of Prisma's interactive transactions has ended. */
  private watchTransactions(adapter: Adapter): void {
    const start = adapter.startTransaction.bind(adapter);
    adapter.startTransaction = async (...args) => {
      const transaction = await start(...args);
      const ended = () => {
        const waiting = this.transactionEnded;
        this.transactionEnded = [];
        for (const resolve of waiting) resolve();
      };
      const { commit, rollback } = transaction;
      transaction.commit = () => commit.call(transaction).finally(ended);
      transaction.rollback = () => rollback.call(transaction).finally(ended);
      return transaction;
    };
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
    this.prepareOwn = prepare;
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

/** What a direct statement answers to: parameters bound per call. */
export interface DirectStatement {
  run(...params: SqlValue[]): { changes: number };
  get<T>(...params: SqlValue[]): T | undefined;
  all<T>(...params: SqlValue[]): T[];
}

/** What better-sqlite3 binds: no Date and no boolean (see sqlDate; booleans are 0 and 1). */
export type SqlValue = string | number | bigint | null;

/** A time as the Prisma adapter stores it (ISO 8601, `+00:00`), so both compare as text. */
export function sqlDate(date: Date): string {
  return date.toISOString().replace("Z", "+00:00");
}

/**
 * The server's own statements on Prisma's connection, for the paths every job and every agent
 * runs (a job's creation, start, progress and end; an agent's connect). A statement through
 * Prisma costs about 40 times its own CPU (`pnpm -C bench sqlite`: 600–700 µs for a read by id
 * against 13–17 µs), which at a fleet's rate of jobs is most of the server's work. Everything
 * else stays on Prisma.
 *
 * Writes wait while one of Prisma's interactive transactions is open on the connection (it
 * would otherwise take them into its own, and roll them back with it), then run synchronously:
 * nothing can come between the statements of `transaction`. Every run is told to the
 * statement listeners, as Prisma's are.
 */
export class DirectStatements {
  private readonly prepared = new Map<string, DirectStatement>();

  constructor(
    private readonly prepare: (sql: string) => Statement,
    private readonly listeners: ReadonlySet<StatementListener>,
    private readonly noTransaction: () => Promise<void>,
  ) {}

  /** The statement for `sql`, prepared on first use and kept. */
  statement(sql: string): DirectStatement {
    let statement = this.prepared.get(sql);
    if (!statement) {
      // Integers as numbers (the adapter's connection reads them as BigInt by default).
      const inner = this.prepare(sql).safeIntegers(false);
      const told = () => {
        for (const listener of this.listeners) listener(sql);
      };
      statement = {
        run: (...params) => {
          told();
          return inner.run(...params);
        },
        get: <T>(...params: SqlValue[]) => {
          told();
          return inner.get(...params) as T | undefined;
        },
        all: <T>(...params: SqlValue[]) => {
          told();
          return inner.all(...params) as T[];
        },
      };
      this.prepared.set(sql, statement);
    }
    return statement;
  }

  /** Runs `fn`'s writes once no Prisma transaction is open. */
  async write<T>(fn: () => T): Promise<T> {
    await this.noTransaction();
    return fn();
  }

  /** Runs `fn` in one transaction: all of its statements or none (rolled back if it throws). */
  async transaction<T>(fn: () => T): Promise<T> {
    await this.noTransaction();
    this.statement("BEGIN").run();
    try {
      const result = fn();
      this.statement("COMMIT").run();
      return result;
    } catch (error) {
      this.statement("ROLLBACK").run();
      throw error;
    }
  }
}
