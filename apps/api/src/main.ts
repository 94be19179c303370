#!/usr/bin/env node
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ZCreateUserInput } from "@restic-manager/contracts";
import { type Config, ConfigError, loadConfig } from "./config.js";
import { DataDirLockedError } from "./dataDirLock.js";
import { assertMigrated, openConfiguredDatabase } from "./db.js";
import { AppError } from "./errors.js";
import { createLogger, guardStandardStreams } from "./logger.js";
import { KeyringError, rotateKeyFile } from "./secrets/keyring.js";
import { startServer } from "./server.js";
import { createUser } from "./users/service.js";

const USAGE = `usage: restic-manager <command>

  serve                                    run the server (the default)
  user create --username NAME --role ROLE  create a user; the password is read from stdin
                                           (ROLE: admin, operator or viewer)
  keys rotate                              add a new master key to the key file; older keys
                                           still open secrets sealed with them

Configuration comes from RM_* environment variables (see README).`;

async function serve(config: Config) {
  // A closed stdout or stderr (the pipe's reader left) must not stop the server.
  guardStandardStreams();
  const logger = createLogger(config.logLevel);
  const server = await startServer(config, logger);
  console.error(
    `restic-manager is running at ${config.publicUrl}\n` +
      "No admin yet? Open that URL to create one, or run:\n" +
      "  node apps/api/dist/main.js user create --username admin --role admin < password-file",
  );
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => {
      logger.info({ event: "server.signal", signal }, "shutting down");
      server.close().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ event: "server.stop_failed", err: error }, "shutdown failed");
          process.exit(1);
        },
      );
    });
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}

async function createUserCommand(config: Config, args: string[]) {
  const { values } = parseArgs({
    args,
    options: { username: { type: "string" }, role: { type: "string", default: "viewer" } },
  });
  if (process.stdin.isTTY) console.error("Password (end with Enter, then Ctrl-D):");
  const parsed = ZCreateUserInput.safeParse({ ...values, password: await readStdin() });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`${String(issue?.path[0] ?? "input")}: ${issue?.message ?? "invalid"}`);
  }
  const db = await openConfiguredDatabase(config, { info: () => {} });
  try {
    await assertMigrated(db);
    const user = await createUser(db, parsed.data, { type: "system", name: "cli" });
    console.log(`created ${user.role} "${user.username}"`);
  } finally {
    await db.$disconnect();
  }
}

class UsageError extends Error {}

/**
 * What the workspace built next to this server (apps/web/dist, apps/agent/dist), when
 * RM_WEB_DIR / RM_AGENT_DIR do not say otherwise.
 */
function builtDir(relative: string, expectedFile: string): string | undefined {
  const dir = fileURLToPath(new URL(relative, import.meta.url));
  return existsSync(path.join(dir, expectedFile)) ? dir : undefined;
}

async function main(argv: string[]) {
  const [command = "serve", sub, ...rest] = argv;
  if (command === "help" || command === "--help" || command === "-h") {
    console.log(USAGE);
    return;
  }
  const config = loadConfig();
  if (command === "serve") {
    return serve({
      ...config,
      webDir: config.webDir ?? builtDir("../../web/dist", "index.html"),
      agentDir: config.agentDir ?? builtDir("../../agent/dist", "agent.mjs"),
    });
  }
  if (command === "user" && sub === "create") return createUserCommand(config, rest);
  if (command === "keys" && sub === "rotate") {
    const id = rotateKeyFile(config.masterKeyFile);
    console.log(`added master key ${id} to ${config.masterKeyFile}; restart the server to use it`);
    return;
  }
  throw new UsageError(`unknown command "${argv.join(" ")}"\n\n${USAGE}`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (
    error instanceof ConfigError ||
    error instanceof DataDirLockedError ||
    error instanceof UsageError ||
    error instanceof AppError ||
    error instanceof KeyringError
  ) {
    console.error(`restic-manager: ${error.message}`);
    process.exit(2);
  }
  console.error(error);
  process.exit(1);
});
