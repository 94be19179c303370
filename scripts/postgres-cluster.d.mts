/** A throwaway PostgreSQL cluster (see postgres-cluster.mjs). */
export interface PostgresCluster {
  readonly port: number;
  /** Its data, socket and log live here; removed by stop(). */
  readonly dir: string;
  /** The URL of `database` on this cluster (superuser `postgres`, no password, loopback). */
  url(database: string): string;
  /** Runs psql against `databaseUrl` with `args`, stopping at the first error; its output. */
  psql(databaseUrl: string, args: string[]): string;
  /** Creates a database (UTF-8, C collation) and gives its URL. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

export function postgresBinDir(): string;

export function startPostgresCluster(options?: {
  timeoutMs?: number;
  /** Server settings (`-c key=value`) on top of the fast, non-durable ones. */
  settings?: Record<string, string>;
}): Promise<PostgresCluster>;
