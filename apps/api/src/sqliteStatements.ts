import type { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { type ServerStatements, type SqlRunner, type SqlValue, sqlDate } from "./statements.js";

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
  private directStatements: SqliteStatements | undefined;
  /** Resolved when the Prisma transaction open now ends (see `direct`). */
  private transactionEnded: Array<() => void> = [];
  /** Prisma transactions asked for and not yet begun (waiting for the adapter's mutex). */
  private transactionsStarting = 0;
  /** Set while one of the server's own transactions runs: Prisma's statements wait for it. */
  private exclusive: Promise<void> | undefined;

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
    this.holdWhileExclusive(adapter);
    this.client = client;
    return adapter;
  }

  /**
   * Statements of the server's own, prepared once on the connection Prisma uses, for the few
   * paths that run for every job and every agent (see DirectStatements). Undefined until
   * Prisma has connected (openDatabase makes sure it has).
   */
  direct(): SqliteStatements {
    if (!this.prepareOwn) throw new Error("the database is not open yet");
    this.directStatements ??= new SqliteStatements(this.prepareOwn, this.listeners, {
      clear: (write) => this.clear(write),
      waitClear: (write) => this.waitClear(write),
      exclusively: (fn) => this.exclusively(fn),
    });
    return this.directStatements;
  }

  /**
   * Waits until no Prisma transaction is open on the connection (or about to begin): told when
   * an interactive one ends, and looking again every few milliseconds for any other kind.
   */
  private async noTransaction(): Promise<void> {
    while (this.client?.inTransaction || this.transactionsStarting > 0) {
      await new Promise<void>((resolve) => {
        this.transactionEnded.push(resolve);
        setTimeout(resolve, TRANSACTION_POLL_MS);
      });
    }
  }

  /**
   * Runs `fn` with Prisma's statements held back until it ends: the connection is one, and a
   * statement of Prisma's run between two of the server's own would be taken into its
   * transaction (and rolled back with it).
   */
  private async exclusively<T>(fn: () => Promise<T>): Promise<T> {
    while (!this.clear(true)) await this.waitClear(true);
    let end = () => {};
    this.exclusive = new Promise<void>((resolve) => {
      end = resolve;
    });
    try {
      return await fn();
    } finally {
      this.exclusive = undefined;
      end();
    }
  }

  /**
   * Whether none of the server's own transactions runs and, for a write, no Prisma transaction
   * is open: checked right before a statement runs, with no await in between.
   */
  private clear(write: boolean): boolean {
    if (this.exclusive) return false;
    return !write || !(this.client?.inTransaction || this.transactionsStarting > 0);
  }

  /** Waits for what keeps `clear` false to change (then `clear` is asked again). */
  private async waitClear(write: boolean): Promise<void> {
    if (this.exclusive) await this.exclusiveEnded();
    else if (write) await this.noTransaction();
  }

  /** Resolves once none of the server's own transactions runs. */
  private async exclusiveEnded(): Promise<void> {
    while (this.exclusive) await this.exclusive;
  }

  /** Prisma's statements outside its transactions wait while one of the server's own runs. */
  private holdWhileExclusive(adapter: Adapter): void {
    const { queryRaw, executeRaw, executeScript } = adapter;
    adapter.queryRaw = async (query) => {
      while (this.exclusive) await this.exclusive;
      return queryRaw.call(adapter, query);
    };
    adapter.executeRaw = async (query) => {
      while (this.exclusive) await this.exclusive;
      return executeRaw.call(adapter, query);
    };
    adapter.executeScript = async (script) => {
      while (this.exclusive) await this.exclusive;
      return executeScript.call(adapter, script);
    };
  }

  /** Tells waiters when each of Prisma's interactive transactions has ended. */
  private watchTransactions(adapter: Adapter): void {
    const start = adapter.startTransaction.bind(adapter);
    adapter.startTransaction = async (...args) => {
      // Counted from the call: the adapter begins once its mutex is free, a moment later.
      this.transactionsStarting += 1;
      let transaction: Awaited<ReturnType<typeof start>>;
      try {
        while (this.exclusive) await this.exclusive;
        transaction = await start(...args);
      } finally {
        this.transactionsStarting -= 1;
      }
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

/** better-sqlite3 binds no Date and no boolean: ISO text (see sqlDate) and 0/1. */
function bindable(params: SqlValue[]): unknown[] {
  return params.map((value) =>
    value instanceof Date ? sqlDate(value) : typeof value === "boolean" ? (value ? 1 : 0) : value,
  );
}

interface SqliteHooks {
  /**
   * Whether none of the server's own transactions runs and, for a write, no Prisma transaction
   * is open on the connection; asked right before running, with no await in between.
   */
  clear(write: boolean): boolean;
  /** Waits for what keeps `clear` false to change. */
  waitClear(write: boolean): Promise<void>;
  /** Runs `fn` with Prisma's statements and the server's other own statements held back. */
  exclusively<T>(fn: () => Promise<T>): Promise<T>;
}

/**
 * The server's own statements (see statements.ts) on the connection Prisma uses, each prepared
 * once and kept. Writes wait while one of Prisma's interactive transactions is open on the
 * connection (it would otherwise take them into its own, and roll them back with it); while a
 * transaction of the server's own runs, Prisma's statements and other own statements wait for
 * it. Every run is told to the statement listeners, as Prisma's are.
 */
export class SqliteStatements implements ServerStatements {
  readonly dialect = "sqlite";
  private readonly prepared = new Map<string, Statement>();
  /** Runs statements at once: what a transaction's body is handed. */
  private readonly now: SqlRunner = {
    run: async (sql, ...params) => this.runNow(sql, params),
    get: async <T>(sql: string, ...params: SqlValue[]) => this.getNow<T>(sql, params),
    all: async <T>(sql: string, ...params: SqlValue[]) => this.allNow<T>(sql, params),
  };

  constructor(
    private readonly prepare: (sql: string) => Statement,
    private readonly listeners: ReadonlySet<StatementListener>,
    private readonly hooks: SqliteHooks,
  ) {}

  async run(sql: string, ...params: SqlValue[]): Promise<{ changes: number }> {
    while (!this.hooks.clear(true)) await this.hooks.waitClear(true);
    return this.runNow(sql, params);
  }

  async get<T>(sql: string, ...params: SqlValue[]): Promise<T | undefined> {
    while (!this.hooks.clear(false)) await this.hooks.waitClear(false);
    return this.getNow<T>(sql, params);
  }

  async all<T>(sql: string, ...params: SqlValue[]): Promise<T[]> {
    while (!this.hooks.clear(false)) await this.hooks.waitClear(false);
    return this.allNow<T>(sql, params);
  }

  async transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
    return this.hooks.exclusively(async () => {
      this.runNow("BEGIN", []);
      try {
        const result = await fn(this.now);
        this.runNow("COMMIT", []);
        return result;
      } catch (error) {
        this.runNow("ROLLBACK", []);
        throw error;
      }
    });
  }

  private runNow(sql: string, params: SqlValue[]): { changes: number } {
    return this.statement(sql).run(...bindable(params));
  }

  private getNow<T>(sql: string, params: SqlValue[]): T | undefined {
    return this.statement(sql).get(...bindable(params)) as T | undefined;
  }

  private allNow<T>(sql: string, params: SqlValue[]): T[] {
    return this.statement(sql).all(...bindable(params)) as T[];
  }

  /** The statement for `sql`, prepared on first use and kept; tells the listeners. */
  private statement(sql: string): Statement {
    let statement = this.prepared.get(sql);
    if (!statement) {
      // Integers as numbers (the adapter's connection reads them as BigInt by default).
      statement = this.prepare(sql).safeIntegers(false);
      this.prepared.set(sql, statement);
    }
    for (const listener of this.listeners) listener(sql);
    return statement;
  }
}
