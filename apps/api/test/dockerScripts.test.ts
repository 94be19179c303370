import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { once } from "node:events";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { toolOrPath, toolsEnv, waitFor } from "@restic-manager/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  dockerDir,
  environmentOf,
  read,
  restServerArgs,
  root,
} from "./support/dockerDeployment.js";
import { type Client, createWorld, type World } from "./support/world.js";

/**
 * The scripts the Docker images start and probe with, run for real outside a container (quick;
 * dockerImages.test.ts runs them inside the images): the rest-server pair as compose.yaml
 * starts it, the health checks, and the agent's entry point. The Compose file's settings and the README's key recipe feed them.
 */
const run = promisify(execFile);

describe("the images' scripts, run outside a container", () => {
  const scratch = mkdtempSync(path.join(tmpdir(), "rm-docker-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  /** The master key made with the README's own command line. */
  function masterKeyAsDocumented(): string {
    const line = read("docker/README.md")
      .split("\n")
      .find((l) => l.includes("> docker/secrets/master.key"));
    if (!line) throw new Error("docker/README.md no longer says how to make the master key");
    const dir = mkdtempSync(path.join(scratch, "key-"));
    mkdirSync(path.join(dir, "docker/secrets"), { recursive: true });
    execFileSync("sh", ["-c", line], { cwd: dir });
    return path.join(dir, "docker/secrets/master.key");
  }

  it("the rest-server pair over one directory: a user reaches only its own repositories, the endpoint refuses a delete the maintenance server carries out, and the health check passes until the server stops", async () => {
    const data = mkdtempSync(path.join(scratch, "repositories-"));
    const htpasswd = path.join(scratch, "rest.htpasswd");
    // {SHA}: rest-server takes it, and node:crypto makes it (htpasswd -B makes bcrypt).
    const sha = (password: string) =>
      `{SHA}${createHash("sha1").update(password).digest("base64")}`;
    writeFileSync(htpasswd, `alice:${sha("alice-pw")}\nbob:${sha("bob-pw")}\n`);
    const start = (name: string) => {
      const args = restServerArgs(name).slice(1);
      args[args.indexOf("--path") + 1] = data;
      args[args.indexOf("--listen") + 1] = "127.0.0.1:0";
      args[args.indexOf("--htpasswd-file") + 1] = htpasswd;
      return startListening(toolOrPath("rest-server"), args, /start server on 127\.0\.0\.1:(\d+)/);
    };
    const endpoint = await start("rest-server");
    const maintenance = await start("rest-server-maintenance");
    try {
      const call = (port: number, method: string, url: string, user?: string, body?: string) =>
        fetch(`http://127.0.0.1:${port}${url}`, {
          method,
          body,
          headers: user
            ? { authorization: `Basic ${Buffer.from(`${user}:${user}-pw`).toString("base64")}` }
            : {},
        }).then((response) => response.status);
      // rest-server checks that a data file is named by the SHA-256 of its content.
      const blob = createHash("sha256").update("x").digest("hex");
      expect(await call(endpoint.port, "POST", "/alice/sample/?create=true", "alice")).toBe(200);
      expect(await call(endpoint.port, "POST", `/alice/sample/data/${blob}`, "alice", "x")).toBe(
        200,
      );
      expect(await call(endpoint.port, "GET", "/alice/sample/config")).toBe(401);
      expect(await call(endpoint.port, "GET", `/alice/sample/data/${blob}`, "bob")).toBe(401);
      expect(await call(endpoint.port, "DELETE", `/alice/sample/data/${blob}`, "alice")).toBe(403);
      expect(await call(maintenance.port, "HEAD", `/alice/sample/data/${blob}`, "alice")).toBe(200);
      expect(await call(maintenance.port, "DELETE", `/alice/sample/data/${blob}`, "alice")).toBe(
        200,
      );
      expect(await call(endpoint.port, "HEAD", `/alice/sample/data/${blob}`, "alice")).toBe(404);

      const healthcheck = path.join(dockerDir, "rest-server-healthcheck.sh");
      await expect(run("bash", [healthcheck, String(endpoint.port)])).resolves.toBeDefined();
      await endpoint.stop();
      await expect(run("bash", [healthcheck, String(endpoint.port)])).rejects.toMatchObject({
        code: 1,
      });
    } finally {
      await endpoint.stop();
      await maintenance.stop();
    }
  });

  describe("with a server started on the Compose file's settings and a key file made as the README says", () => {
    let world: World;
    let admin: Client;
    const agentMjs = path.join(root, "apps/agent/dist/agent.mjs");

    beforeAll(async () => {
      execFileSync(process.execPath, ["build.mjs"], { cwd: path.join(root, "apps/agent") });
      const { RM_DATA_DIR: _dataDir, ...settings } = environmentOf("server");
      world = await createWorld({ ...settings, RM_MASTER_KEY_FILE: masterKeyAsDocumented() });
      await world.addUser("admin", "admin");
      admin = await world.signIn("admin");
    });

    afterAll(async () => {
      await world?.close();
    });

    it("the server's health check passes while it runs, with the key from the secret file, and fails on a 503", async () => {
      const healthcheck = path.join(dockerDir, "server-healthcheck.mjs");
      const env = { ...process.env, RM_PORT: String(world.server.port) };
      await expect(run(process.execPath, [healthcheck], { env })).resolves.toBeDefined();
      // The key came from the file: none was generated in the data directory.
      expect(existsSync(path.join(world.dataDir, "master.key"))).toBe(false);

      // A server whose database is gone answers /healthz with 503: the check fails.
      const unwell = createServer((_req, res) => res.writeHead(503).end());
      unwell.listen(0, "127.0.0.1");
      await once(unwell, "listening");
      try {
        const port = String((unwell.address() as AddressInfo).port);
        await expect(
          run(process.execPath, [healthcheck], { env: { ...process.env, RM_PORT: port } }),
        ).rejects.toMatchObject({ code: 1 });
      } finally {
        unwell.close();
      }
    });

    it("the agent's entry point enrolls with a token, connects and passes its health check, starts again without the token, and refuses to start unenrolled without one", async () => {
      const stateDir = mkdtempSync(path.join(scratch, "agent-state-"));
      const env = {
        ...toolsEnv(),
        AGENT_MJS: agentMjs,
        AGENT_STATE_DIR: stateDir,
        AGENT_SERVER_URL: world.server.url,
      };
      const entrypoint = path.join(dockerDir, "agent-entrypoint.sh");
      const healthcheck = path.join(dockerDir, "agent-healthcheck.sh");
      const healthy = () =>
        run("sh", [healthcheck], { env }).then(
          () => true,
          () => false,
        );

      const unenrolled = await run("sh", [entrypoint], { env }).catch((error: unknown) => error);
      expect(unenrolled).toMatchObject({
        code: 2,
        stderr: expect.stringContaining("not enrolled yet"),
      });

      const { token } = await admin.hosts.createEnrollment.mutate({ expiresInHours: 1 });
      let agent = startScript(entrypoint, { ...env, RM_ENROLL_TOKEN: token });
      try {
        await waitFor(healthy, {
          timeoutMs: 20_000,
          intervalMs: 200,
          what: "the agent's health check",
        });
        expect(agent.output()).toContain("Enrolled as");
        await agent.stop();
        expect(await healthy()).toBe(false);

        // The credential is in the state volume: a new container needs no token.
        agent = startScript(entrypoint, env);
        await waitFor(healthy, { timeoutMs: 20_000, intervalMs: 200, what: "the agent back" });
        expect(agent.output()).not.toContain("Enrolled as");
      } finally {
        await agent.stop();
      }
    });
  });
});

interface Started {
  port: number;
  stop(): Promise<void>;
}

/** A process that prints the port it listens on. */
async function startListening(
  command: string,
  args: string[],
  listening: RegExp,
): Promise<Started> {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  child.stderr.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  const port = await waitFor(
    () => Number(listening.exec(output)?.[1] ?? 0) || (child.exitCode !== null && -1),
    {
      timeoutMs: 15_000,
      what: `${command} to listen`,
    },
  );
  if (port < 0) throw new Error(`${command} exited: ${output}`);
  return { port, stop: () => stopChild(child) };
}

function startScript(script: string, env: NodeJS.ProcessEnv) {
  const child = spawn("sh", [script], { env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  child.stderr.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  return { output: () => output, stop: () => stopChild(child) };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  await exited;
}
