// better-sqlite3 ships no types and @types/better-sqlite3 is not installed: this declares the
// little the server uses directly (dataDirLock.ts) and the options the Prisma adapter passes on.
declare module "better-sqlite3" {
  interface Options {
    readonly?: boolean;
    fileMustExist?: boolean;
    /** Milliseconds to wait for a lock held by another connection (busy_timeout). */
    timeout?: number;
  }

  class Database {
    constructor(filename: string, options?: Options);
    pragma(source: string): unknown;
    exec(source: string): this;
    close(): this;
  }

  export type { Options };
  export default Database;
}
