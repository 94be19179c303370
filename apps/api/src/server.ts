import type { AddressInfo } from "node:net";
import { SessionTokens } from "./auth/sessionToken.js";
import type { Config } from "./config.js";
import { assertMigrated, openDatabase } from "./db.js";
import type { AppDeps } from "./deps.js";
import { createHttpApp } from "./http.js";
import { createLogger, type Logger } from "./logger.js";
import { loadKeyring } from "./secrets/keyring.js";
import { AuthService } from "./services/auth.js";

export interface RunningServer {
  url: string;
  port: number;
  deps: AppDeps;
  /** Stops taking requests, lets running ones finish (up to a grace period), closes the database. */
  close(): Promise<void>;
}

export async function buildDeps(config: Config, logger: Logger): Promise<AppDeps> {
  const keyring = loadKeyring({
    keysFromEnv: config.masterKeysFromEnv,
    keyFile: config.masterKeyFile,
    onGenerated: (file) =>
      logger.warn(
        { event: "master_key.generated", file },
        "generated a new master key: back it up",
      ),
    onLooseMode: (file, mode) =>
      logger.warn(
        { event: "master_key.loose_mode", file, mode: mode.toString(8) },
        "the master key file is readable by other users: chmod 600 it",
      ),
  });
  const db = await openDatabase(config.databasePath);
  await assertMigrated(db);
  const auth = new AuthService({
    db,
    sessionTokens: new SessionTokens(keyring),
    sessionTtlSeconds: config.sessionTtlSeconds,
  });
  return { config, db, logger, keyring, auth };
}

export async function startServer(
  config: Config,
  logger = createLogger(config.logLevel),
): Promise<RunningServer> {
  const deps = await buildDeps(config, logger);
  const app = createHttpApp(deps);
  const server = app.listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host === "0.0.0.0" ? "localhost" : config.host}:${port}`;
  logger.info({ event: "server.listening", url, publicUrl: config.publicUrl }, "listening");

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      logger.info({ event: "server.stopping" }, "stopping");
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const grace = setTimeout(() => server.closeAllConnections(), 10_000);
      await closed;
      clearTimeout(grace);
      await deps.db.$disconnect();
      logger.info({ event: "server.stopped" }, "stopped");
    })();
    return closing;
  };
  return { url, port, deps, close };
}
