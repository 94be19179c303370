import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { openSync } from "node:fs";
import path from "node:path";
import superjson from "superjson";
import { ROOT } from "./bundle.js";
import { track, until } from "./proc.js";

/** Applies every migration to a new database, as `pnpm db:deploy` does before the server starts. */
export function migrate(databasePath: string): void {
  execFileSync(path.join(ROOT, "node_modules/.bin/prisma"), ["migrate", "deploy"], {
    cwd: ROOT,
    env: { ...process.env, RM_DATABASE_PATH: databasePath },
    stdio: "pipe",
  });
}

export interface ApiProcess {
  pid: number;
  url: string;
  /** SIGTERM, as a service manager stops it; resolves once the process has exited. */
  stop(): Promise<void>;
}

/**
 * Starts the bundled server (`node main.js serve`) with its settings in RM_* variables, the way
 * `pnpm start` runs it, and waits until /healthz answers. Its output goes to a log file.
 */
export async function startApi(options: {
  mainJs: string;
  port: number;
  dataDir: string;
  masterKey: string;
  logFile: string;
  cpuProfileDir?: string | undefined;
  /** More settings (e.g. RM_DATABASE_URL). */
  env?: Record<string, string>;
}): Promise<ApiProcess> {
  const url = `http://127.0.0.1:${options.port}`;
  const log = openSync(options.logFile, "a");
  const args = [
    ...(options.cpuProfileDir ? ["--cpu-prof", `--cpu-prof-dir=${options.cpuProfileDir}`] : []),
    options.mainJs,
    "serve",
  ];
  const child: ChildProcess = track(
    spawn(process.execPath, args, {
      env: {
        PATH: process.env.PATH,
        RM_HOST: "127.0.0.1",
        RM_PORT: String(options.port),
        RM_DATA_DIR: options.dataDir,
        RM_PUBLIC_URL: url,
        RM_MASTER_KEY: options.masterKey,
        // No copy of its own database in the middle of a measurement.
        RM_DB_BACKUP_INTERVAL: "0",
        ...options.env,
      },
      stdio: ["ignore", log, log],
    }),
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  await until(
    async () => {
      if (gone) throw new Error(`the API exited while starting; see ${options.logFile}`);
      try {
        return (await fetch(`${url}/healthz`)).ok;
      } catch {
        return false;
      }
    },
    "the API to answer /healthz",
    120_000,
    50,
  );
  return {
    pid: child.pid ?? -1,
    url,
    async stop() {
      if (!gone) child.kill("SIGTERM");
      await exited;
    },
  };
}

export interface Answer<T> {
  ok: boolean;
  status: number;
  ms: number;
  bytes: number;
  data: T | undefined;
  error: string | undefined;
}

/**
 * A tRPC call over HTTP as the web app or a script makes it (superjson, an API token), timed
 * from the request to the whole body, with the size of the answer.
 */
export async function call<T = unknown>(
  url: string,
  token: string,
  procedure: string,
  input: unknown,
  kind: "query" | "mutation" = "query",
): Promise<Answer<T>> {
  const serialized = superjson.serialize(input);
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const started = performance.now();
  try {
    const response =
      kind === "query"
        ? await fetch(
            `${url}/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(serialized))}`,
            { headers },
          )
        : await fetch(`${url}/trpc/${procedure}`, {
            method: "POST",
            headers,
            body: JSON.stringify(serialized),
          });
    const text = await response.text();
    const ms = performance.now() - started;
    const body = JSON.parse(text) as {
      result?: { data: Parameters<typeof superjson.deserialize>[0] };
      error?: { json?: { message?: string } };
    };
    return {
      ok: response.ok,
      status: response.status,
      ms,
      bytes: Buffer.byteLength(text),
      data: body.result ? superjson.deserialize<T>(body.result.data) : undefined,
      error: body.error?.json?.message,
    };
  } catch (error) {
    return {
      ok: false,
      status: 0,
      ms: performance.now() - started,
      bytes: 0,
      data: undefined,
      error: describe(error),
    };
  }
}

/** fetch says "fetch failed"; what failed is in its cause. */
function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}
