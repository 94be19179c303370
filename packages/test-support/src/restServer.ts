import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { once } from "node:events";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { toolOrPath } from "./paths.js";

export interface RestServer {
  port: number;
  /** The restic repository string for a repository named `name` on this server. */
  repository(name: string): string;
  stop(): Promise<void>;
}

const LISTENING = /start server on 127\.0\.0\.1:(\d+)/;

/**
 * A real rest-server on loopback, port chosen by the OS, data in `dataDir`. With
 * `appendOnly`, clients may add data but not delete or overwrite it (what endpoints get).
 * With `users` (name → password) it requires HTTP basic authentication; otherwise none.
 */
export async function startRestServer(
  dataDir: string,
  timeoutMs = 15_000,
  options: {
    appendOnly?: boolean;
    users?: Readonly<Record<string, string>>;
    /** A fixed port (a rest-server started again where the last one was); the OS's choice when absent. */
    port?: number;
  } = {},
): Promise<RestServer> {
  const bin = process.env.REST_SERVER_BIN ?? toolOrPath("rest-server");
  const child: ChildProcess = spawn(
    bin,
    [
      "--path",
      dataDir,
      ...(options.users
        ? ["--htpasswd-file", writeHtpasswd(dataDir, options.users)]
        : ["--no-auth"]),
      "--listen",
      `127.0.0.1:${options.port ?? 0}`,
      ...(options.appendOnly ? ["--append-only"] : []),
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`rest-server did not start within ${timeoutMs} ms: ${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      const match = LISTENING.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`rest-server exited with ${code}: ${output}`));
    });
  });
  return {
    port,
    repository: (name) => `rest:http://127.0.0.1:${port}/${name}`,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/**
 * The htpasswd file, where rest-server looks by default. It takes bcrypt and `{SHA}` entries;
 * `{SHA}` needs nothing but node:crypto, and these passwords guard test data only.
 */
function writeHtpasswd(dataDir: string, users: Readonly<Record<string, string>>): string {
  const file = path.join(dataDir, ".htpasswd");
  const lines = Object.entries(users).map(
    ([user, password]) => `${user}:{SHA}${createHash("sha1").update(password).digest("base64")}`,
  );
  writeFileSync(file, `${lines.join("\n")}\n`, { mode: 0o600 });
  return file;
}
