import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { createTRPCClient, httpLink, TRPCClientError } from "@trpc/client";
import superjson from "superjson";
import { type Config, loadConfig } from "../../src/config.js";
import type { Db } from "../../src/db.js";
import { createLogger } from "../../src/logger.js";
import type { AppRouter } from "../../src/router.js";
import { type RunningServer, startServer } from "../../src/server.js";
import { createUser } from "../../src/users/service.js";
import { newTestDatabase } from "./testDatabase.js";

export const PASSWORD = "correct horse battery staple";

/** Shorter waits than production, so the tests that hit them stay quick. */
const TUNING = { agentAuthTimeoutMs: 2000, bodyTimeoutMs: 2000 };

/** A server of its own: a copy of the migrated template database, its own data dir, port 0. */
export interface World {
  server: RunningServer;
  /**
   * Stops the server and starts a new one on the same database, data dir and port; `whileDown`
   * runs in between (the server is away for as long as it takes).
   */
  restart(whileDown?: () => Promise<void>): Promise<void>;
  config: Config;
  dataDir: string;
  logs: string[];
  /** A client with its own cookie jar, optionally sending a bearer token. */
  client(options?: { bearer?: string; cookie?: string }): Client;
  /** A client of its own on the world's database (e.g. to write while the server is down). */
  openDatabase(): Promise<Db>;
  /** Creates a user directly, as the CLI would. */
  addUser(username: string, role: "admin" | "operator" | "viewer"): Promise<{ id: string }>;
  /** Signs in and returns a client holding the session cookie. */
  signIn(username: string, password?: string): Promise<Client>;
  close(): Promise<void>;
}

export type Client = ReturnType<typeof makeClient>;

export function makeClient(url: string, options: { bearer?: string; cookie?: string } = {}) {
  const jar = { cookie: options.cookie, setCookies: [] as string[] };
  const trpc = createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${url}/trpc`,
        transformer: superjson,
        headers: () => ({
          ...(options.bearer ? { authorization: `Bearer ${options.bearer}` } : {}),
          ...(jar.cookie ? { cookie: jar.cookie } : {}),
        }),
        fetch: async (input, init) => {
          const response = await fetchRetryingStaleConnections(input, init);
          for (const header of response.headers.getSetCookie()) {
            jar.setCookies.push(header);
            const [pair = ""] = header.split(";");
            const value = pair.slice(pair.indexOf("=") + 1);
            jar.cookie = value === "" ? undefined : pair;
          }
          return response;
        },
      }),
    ],
  });
  jars.set(trpc, jar);
  return trpc;
}

/**
 * fetch, retried once when a kept-alive connection turns out to be closed (the server it
 * belonged to restarted): what browsers do on their own.
 */
async function fetchRetryingStaleConnections(input: string | URL | Request, init?: RequestInit) {
  try {
    return await fetch(input, init);
  } catch (error) {
    const code = (error as { cause?: { code?: string } }).cause?.code;
    if (code !== "UND_ERR_SOCKET" && code !== "ECONNRESET") throw error;
    return fetch(input, init);
  }
}

const jars = new WeakMap<object, { cookie: string | undefined; setCookies: string[] }>();

/** The cookies a client holds and every Set-Cookie header it was sent. */
export function jarOf(client: Client) {
  const jar = jars.get(client);
  if (!jar) throw new Error("not a test client");
  return jar;
}

export async function createWorld(env: Record<string, string> = {}): Promise<World> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "rm-test-"));
  const database = await newTestDatabase(dataDir);
  const config = loadConfig({
    RM_DATA_DIR: dataDir,
    RM_PORT: "0",
    RM_HOST: "127.0.0.1",
    ...database.env,
    ...env,
  });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const logger = createLogger("debug", sink);
  const world: World = {
    server: await startServer(config, logger, TUNING),
    async restart(whileDown) {
      const port = world.server.port;
      await world.server.close();
      await whileDown?.();
      world.server = await startServer({ ...config, port }, logger, TUNING);
    },
    config,
    dataDir,
    logs,
    client: (options) => makeClient(world.server.url, options),
    openDatabase: () => database.open(),
    addUser: (username, role) =>
      createUser(
        world.server.deps.db,
        { username, role, password: PASSWORD },
        { type: "system", name: "test" },
      ),
    async signIn(username, password = PASSWORD) {
      const client = makeClient(world.server.url);
      await client.auth.login.mutate({ username, password });
      return client;
    },
    async close() {
      await world.server.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return world;
}

/** The tRPC error code a call failed with, or "OK" when it did not fail. */
export async function codeOf(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return "OK";
  } catch (error) {
    if (error instanceof TRPCClientError) return String(error.data?.code ?? "UNKNOWN");
    throw error;
  }
}

export async function errorOf(call: Promise<unknown>): Promise<TRPCClientError<AppRouter>> {
  try {
    await call;
  } catch (error) {
    if (error instanceof TRPCClientError) return error as TRPCClientError<AppRouter>;
    throw error;
  }
  throw new Error("expected the call to fail");
}
