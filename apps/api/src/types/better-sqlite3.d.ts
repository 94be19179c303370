// better-sqlite3 ships no types and @types/better-sqlite3 is not installed: this declares the
// little the server uses directly (dataDirLock.ts, the statement cache in db.ts) and the options
// the Prisma adapter passes on.
declare module "better-sqlite3" {
  interface Options {
    readonly?: boolean;
    fileMustExist?: boolean;
    /** Milliseconds to wait for a lock held by another connection (busy_timeout). */
    timeout?: number;
  }

  interface RunResult {
    changes: number;
    lastInsertRowid: number | bigint;
  }

  interface ColumnDefinition {
    name: string;
    type: string | null;
  }

  /** Parameters are bound anew on each call (run/all/get); `bind` fixes them for good. */
  class Statement {
    readonly reader: boolean;
    bind(...params: unknown[]): this;
    run(...params: unknown[]): RunResult;
    all(...params: unknown[]): unknown[];
    get(...params: unknown[]): unknown;
    raw(toggle?: boolean): this;
    columns(): ColumnDefinition[];
  }

  class Database {
    constructor(filename: string, options?: Options);
    prepare(source: string): Statement;
    pragma(source: string): unknown;
    exec(source: string): this;
    close(): this;
  }

  export type { ColumnDefinition, Options, RunResult, Statement };
  export default Database;
}
