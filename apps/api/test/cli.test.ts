import { type ChildProcess, spawn } from "node:child_process";
import { copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { waitFor } from "@restic-manager/test-support";
import { describe, expect, inject, it } from "vitest";

const apiDir = path.resolve(import.meta.dirname, "..");

/** The real command-line entry point, run from source. */
function cli(args: string[], env: Record<string, string>, stdin?: string) {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", ...args], {
    cwd: apiDir,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  child.stdin.end(stdin ?? "");
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

function freshDataDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "rm-cli-"));
  copyFileSync(inject("templateDatabase"), path.join(dir, "restic-manager.db"));
  return dir;
}

describe("restic-manager command line", () => {
  it("stops on bad configuration with one line naming the setting", async () => {
    const run = cli(["serve"], { RM_LOG_LEVEL: "chatty", RM_DATA_DIR: freshDataDir() });
    expect(await run.exited).toBe(2);
    expect(run.output().stderr.trim()).toBe(
      "restic-manager: Invalid configuration: RM_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent",
    );
  });

  it("creates an admin with the password from stdin, and refuses a weak one", async () => {
    const dataDir = freshDataDir();
    const weak = cli(
      ["user", "create", "--username", "root", "--role", "admin"],
      { RM_DATA_DIR: dataDir },
      "short\n",
    );
    expect(await weak.exited).toBe(2);
    expect(weak.output().stderr).toContain("password: Password must have at least 12 characters");

    const good = cli(
      ["user", "create", "--username", "root", "--role", "admin"],
      { RM_DATA_DIR: dataDir },
      "a strong enough password\n",
    );
    expect(await good.exited).toBe(0);
    expect(good.output().stdout).toContain('created admin "root"');
    expect(good.output().stdout + good.output().stderr).not.toContain("a strong enough password");

    const again = cli(
      ["user", "create", "--username", "root"],
      { RM_DATA_DIR: dataDir },
      "another long password\n",
    );
    expect(await again.exited).toBe(2);
    expect(again.output().stderr).toContain('A user named "root" already exists');
  });

  it("serves /healthz, logs JSON lines and shuts down cleanly on SIGTERM", async () => {
    const dataDir = freshDataDir();
    const server = cli(["serve"], { RM_DATA_DIR: dataDir, RM_PORT: "0", RM_HOST: "127.0.0.1" });
    let child: ChildProcess | undefined = server.child;
    try {
      const url = await waitFor(
        async () => /"url":"(http:[^"]+)"/.exec(server.output().stdout)?.[1],
        { timeoutMs: 20_000, what: "the server to log its address" },
      );
      const health = await waitFor(
        async () => {
          const response = await fetch(`${url}/healthz`);
          return response.ok ? ((await response.json()) as unknown) : undefined;
        },
        { timeoutMs: 20_000, what: "the server to answer /healthz" },
      );
      expect(health).toEqual({ status: "ok" });

      server.child.kill("SIGTERM");
      expect(await server.exited).toBe(0);
      child = undefined;
      const lines = server.output().stdout.trim().split("\n");
      const events = lines.map((line) => (JSON.parse(line) as { event?: string }).event);
      expect(events).toEqual(
        expect.arrayContaining([
          "master_key.generated",
          "server.listening",
          "server.signal",
          "server.stopped",
        ]),
      );
    } finally {
      child?.kill("SIGKILL");
    }
  });
});
