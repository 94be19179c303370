import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { waitFor } from "@restic-manager/test-support";
import { afterEach, describe, expect, inject, it } from "vitest";
import { DataDirLockedError, lockDataDir } from "../src/dataDirLock.js";
import { createLogger } from "../src/logger.js";
import { startServer } from "../src/server.js";
import { createWorld } from "./support/world.js";

const apiDir = path.resolve(import.meta.dirname, "..");
const cleanups: (() => void)[] = [];

afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

function freshDataDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "rm-lock-"));
  copyFileSync(inject("templateDatabase"), path.join(dir, "restic-manager.db"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The real command-line entry point, run from source; killed after the test if still running. */
function cli(args: string[], dataDir: string, stdin = "") {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", ...args], {
    cwd: apiDir,
    env: {
      PATH: process.env.PATH ?? "",
      RM_DATA_DIR: dataDir,
      RM_PORT: "0",
      RM_HOST: "127.0.0.1",
    },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  let exitCode: number | null | undefined;
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  child.stdin.end(stdin);
  const exited = new Promise<number | null>((resolve) =>
    child.on("exit", (code) => {
      exitCode = code;
      resolve(code);
    }),
  );
  cleanups.push(() => child.kill("SIGKILL"));
  const url = () => /"url":"(http:[^"]+)"/.exec(stdout)?.[1];
  return {
    child,
    exited,
    stderr: () => stderr,
    /** The address once the server listens. */
    listening: () => waitFor(url, { timeoutMs: 20_000, what: "the server to log its address" }),
    /** How a start ended: an exit code, or "listening" when the server came up. */
    outcome: () =>
      waitFor(() => (exitCode !== undefined ? exitCode : url() ? ("listening" as const) : false), {
        timeoutMs: 20_000,
        what: "the server to exit or listen",
      }),
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

async function healthOf(url: string): Promise<unknown> {
  const response = await fetch(`${url}/healthz`);
  return response.json();
}

describe("one server per data directory", () => {
  it("refuses a second serve on the same data directory with one line naming the first one's pid, while CLI commands still work", async () => {
    const dataDir = freshDataDir();
    const first = cli(["serve"], dataDir);
    const url = await first.listening();

    const second = cli(["serve"], dataDir);
    expect(await second.outcome()).toBe(2);
    expect(second.stderr()).toMatch(
      new RegExp(
        `^restic-manager: another server \\(pid ${first.child.pid} on [^,]+, started [^)]+\\) is already using the data directory ${escapeRegExp(dataDir)}; stop it first\\n$`,
      ),
    );

    expect(await healthOf(url)).toEqual({ status: "ok" });
    const user = cli(
      ["user", "create", "--username", "root", "--role", "admin"],
      dataDir,
      "a strong enough password\n",
    );
    expect(await user.exited).toBe(0);
  });

  it("frees the data directory when its server is killed with SIGKILL, so the next one starts", async () => {
    const dataDir = freshDataDir();
    const first = cli(["serve"], dataDir);
    await first.listening();
    expect(() => lockDataDir(dataDir)).toThrow(DataDirLockedError);

    first.child.kill("SIGKILL");
    expect(await first.exited).toBe(null);

    const next = cli(["serve"], dataDir);
    const url = await next.listening();
    expect(await healthOf(url)).toEqual({ status: "ok" });
    next.child.kill("SIGTERM");
    expect(await next.exited).toBe(0);
  });

  it("refuses a second in-process start until the first server is closed", async () => {
    const world = await createWorld();
    try {
      const logger = createLogger("silent");
      const refused = startServer(world.config, logger);
      await expect(refused).rejects.toBeInstanceOf(DataDirLockedError);
      await expect(refused).rejects.toThrow(`another server (pid ${process.pid} on `);

      // A restart closes the server, which lets the new one take the data directory.
      await world.restart();
      await expect(startServer(world.config, logger)).rejects.toBeInstanceOf(DataDirLockedError);

      await world.server.close();
      const next = await startServer(world.config, logger);
      expect(await healthOf(next.url)).toEqual({ status: "ok" });
      await next.close();
    } finally {
      await world.close();
    }
  });
});
