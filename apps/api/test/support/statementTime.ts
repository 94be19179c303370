import Database from "better-sqlite3";

/**
 * How long each SQL statement holds the event loop where it reaches SQLite (better-sqlite3's
 * Statement methods wrapped, whatever prepared the statement). A statement runs synchronously,
 * so for all that time no socket, timer or health check of the process is served. Both its wall
 * time (which grows when a busy machine gives the process less of a core) and the process's CPU
 * time over it (which also counts the garbage collector's threads) are upper bounds of that;
 * the smaller of the two is kept, so a bound on it holds on a busy machine too.
 */
export interface StatementTime {
  /** The statement that held the loop longest so far, and for how long (ms). */
  readonly longest: { ms: number; sql: string };
  readonly statements: number;
  stop(): void;
}

type Method = (this: { source: string }, ...args: unknown[]) => unknown;

export function watchStatementTime(): StatementTime {
  const probe = new (
    Database as unknown as new (
      file: string,
    ) => {
      prepare(sql: string): object;
      close(): void;
    }
  )(":memory:");
  const proto = Object.getPrototypeOf(probe.prepare("SELECT 1")) as Record<string, Method>;
  probe.close();
  let longest = { ms: 0, sql: "" };
  let statements = 0;
  const originals = new Map<string, Method>();
  for (const name of ["all", "get", "run"]) {
    const original = proto[name] as Method;
    originals.set(name, original);
    proto[name] = function (...args) {
      const cpuStart = process.cpuUsage();
      const wallStart = performance.now();
      try {
        return original.apply(this, args);
      } finally {
        const wallMs = performance.now() - wallStart;
        const cpu = process.cpuUsage(cpuStart);
        const ms = Math.min(wallMs, (cpu.user + cpu.system) / 1000);
        statements += 1;
        if (ms > longest.ms) longest = { ms, sql: this.source };
      }
    };
  }
  return {
    get longest() {
      return longest;
    },
    get statements() {
      return statements;
    },
    stop() {
      for (const [name, original] of originals) proto[name] = original;
    },
  };
}
