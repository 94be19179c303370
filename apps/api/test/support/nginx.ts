import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort, REPO_ROOT } from "@restic-manager/test-support";

/**
 * A real nginx in front of servers on loopback, configured by the files docker/ ships: the site
 * (`docker/nginx/restic-manager.conf`: the upstream, the WebSocket map, the server block) with
 * three changes made here — the upstream's addresses, the listen address, and where the server
 * block's `include` finds `docker/nginx/proxy.conf`, which is copied as it is. Everything else
 * (timeouts, buffering, failover, headers) is what a deployment gets.
 *
 * nginx runs in the foreground with its pid file, logs and temporary files in a directory of
 * its own. As root it runs as `nobody` (setpriv, which execs: the process started is nginx's
 * master), so the files it writes are nobody's, as they would be for its workers.
 */
export interface Nginx {
  /** `http://127.0.0.1:<port>`: where clients reach the servers through nginx. */
  url: string;
  port: number;
  /** nginx's master process. */
  pid: number;
  /** Where its configuration, pid file, logs and temporary files are. */
  dir: string;
  /** What nginx wrote to its error log so far (notices and up: failed upstreams, reloads). */
  log(): string;
  /** Its access log so far: a request is written there once it ends. */
  accessLog(): string;
  /**
   * Loads the configuration again, with other upstreams if given; returns once a new worker runs
   * and the old one has stopped taking connections.
   */
  reload(upstreams?: string[]): Promise<void>;
  /** Ends nginx (fast shutdown: open connections are closed) and removes its directory. */
  stop(): Promise<void>;
}

export const NGINX_SITE = path.join(REPO_ROOT, "docker/nginx/restic-manager.conf");
export const NGINX_PROXY = path.join(REPO_ROOT, "docker/nginx/proxy.conf");

/** The master logs each worker it starts; an old worker says so when a reload retires it. */
const STARTED = /start worker process \d+/g;
const RETIRED = /gracefully shutting down/g;
const count = (text: string, pattern: RegExp) => (text.match(pattern) ?? []).length;
const BIND_FAILED = /bind\(\) to \S+ failed \(98/;

export interface NginxOptions {
  /** `host:port` of each server, in the upstream's order. */
  upstreams: string[];
  /** The site file to derive from; docker's by default. */
  site?: string;
  /** The file the site's server block includes; docker's by default. */
  proxy?: string;
  timeoutMs?: number;
}

export async function startNginx(options: NginxOptions): Promise<Nginx> {
  const user = unprivilegedUser();
  const dir = mkdtempSync(path.join(tmpdir(), "rm-nginx-"));
  if (user) chownSync(dir, user.uid, user.gid);
  // Written here, read by nginx (nobody when run as root): readable by all, like /etc/nginx,
  // whatever the umask.
  const write = (file: string, text: string) => {
    writeFileSync(file, text);
    chmodSync(file, 0o644);
  };
  const site = readFileSync(options.site ?? NGINX_SITE, "utf8");
  const proxyFile = path.join(dir, "proxy.conf");
  write(proxyFile, readFileSync(options.proxy ?? NGINX_PROXY, "utf8"));
  const mainFile = path.join(dir, "nginx.conf");
  write(mainFile, mainConfig(dir));
  const timeoutMs = options.timeoutMs ?? 15_000;
  // A port found free may be taken before nginx binds it: try a few.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const writeSite = (upstreams: string[]) =>
      write(
        path.join(dir, "restic-manager.conf"),
        deriveSiteConfig(site, { upstreams, listen: `127.0.0.1:${port}`, proxyFile }),
      );
    writeSite(options.upstreams);
    try {
      const started = await startProcess({ dir, mainFile, user, timeoutMs });
      return running({ ...started, dir, port, writeSite, timeoutMs });
    } catch (error) {
      if (attempt >= 3 || !BIND_FAILED.test(String(error))) {
        rmSync(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }
}

/**
 * The shipped site with the test's upstreams (keeping the parameters of the site's first server
 * line: the failover settings), listen address and include path. Each must be found where the
 * site has it, or this throws: the site cannot drift away from what the test proves.
 */
export function deriveSiteConfig(
  site: string,
  target: { upstreams: string[]; listen: string; proxyFile: string },
): string {
  if (target.upstreams.length === 0) throw new Error("nginx needs at least one upstream");
  const upstream = /upstream restic_manager \{([^}]*)\}/.exec(site);
  if (!upstream?.[1]) throw new Error("the site has no `upstream restic_manager { … }` block");
  const servers = [...upstream[1].matchAll(/^[ \t]*server[ \t]+\S+?([ \t][^;\n]*)?;.*$/gm)];
  const first = servers[0];
  if (!first) throw new Error("the site's upstream names no server");
  const parameters = first[1] ?? "";
  const indent = /^[ \t]*/.exec(first[0])?.[0] ?? "";
  let body = upstream[1].replace(first[0], "\u0000");
  for (const server of servers.slice(1)) body = body.replace(`${server[0]}\n`, "");
  body = body.replace(
    "\u0000",
    target.upstreams.map((address) => `${indent}server ${address}${parameters};`).join("\n"),
  );
  let derived = site.replace(upstream[0], `upstream restic_manager {${body}}`);
  derived = replaceOnce(derived, /^([ \t]*)listen[ \t]+[^;\n]+;/m, `$1listen ${target.listen};`);
  derived = replaceOnce(
    derived,
    /^([ \t]*)include[ \t]+\S*proxy\.conf;/m,
    `$1include ${target.proxyFile};`,
  );
  return derived;
}

function replaceOnce(text: string, pattern: RegExp, replacement: string): string {
  const global = new RegExp(pattern.source, `${pattern.flags}g`);
  const found = text.match(global)?.length ?? 0;
  if (found !== 1) throw new Error(`the site has ${found} lines like ${pattern}, not one`);
  return text.replace(pattern, replacement);
}

/** nginx's own part: one worker, everything it writes inside `dir`, the site included. */
function mainConfig(dir: string): string {
  const temp = (name: string) => `${name}_temp_path ${path.join(dir, `${name}-temp`)};`;
  return [
    "worker_processes 1;",
    `pid ${path.join(dir, "nginx.pid")};`,
    // Notices too: "start worker process" says it is ready, a failed upstream is a warning.
    "error_log stderr notice;",
    "events { worker_connections 1024; }",
    "http {",
    `  access_log ${path.join(dir, "access.log")};`,
    ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((name) => `  ${temp(name)}`),
    `  include ${path.join(dir, "restic-manager.conf")};`,
    "}",
    "",
  ].join("\n");
}

function nginxBinary(): string {
  if (process.env.NGINX_BIN) return process.env.NGINX_BIN;
  if (existsSync("/usr/sbin/nginx")) return "/usr/sbin/nginx";
  return "nginx";
}

/** `nobody`'s ids when running as root; null otherwise (nginx then runs as whoever we are). */
function unprivilegedUser(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const id = (flag: string) =>
    Number(execFileSync("id", [flag, "nobody"], { encoding: "utf8" }).trim());
  return { uid: id("-u"), gid: id("-g") };
}

interface Started {
  child: ChildProcess;
  output: { text: string };
}

async function startProcess(input: {
  dir: string;
  mainFile: string;
  user: { uid: number; gid: number } | null;
  timeoutMs: number;
}): Promise<Started> {
  const args = ["-p", input.dir, "-c", input.mainFile, "-g", "daemon off;"];
  const [command, commandArgs] = input.user
    ? [
        "setpriv",
        [
          `--reuid=${input.user.uid}`,
          `--regid=${input.user.gid}`,
          "--clear-groups",
          "--",
          nginxBinary(),
          ...args,
        ],
      ]
    : [nginxBinary(), args];
  const child = spawn(command, commandArgs, {
    cwd: input.dir,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = { text: "" };
  const collect = (chunk: Buffer) => {
    output.text += chunk.toString("utf8");
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`nginx did not start within ${input.timeoutMs} ms: ${output.text}`));
    }, input.timeoutMs);
    const onData = () => {
      if (count(output.text, STARTED) > 0) {
        clearTimeout(timer);
        child.off("exit", onExit);
        resolve();
      }
    };
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`nginx exited with ${code}: ${output.text}`));
    };
    child.stderr?.on("data", onData);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("exit", onExit);
  });
  return { child, output };
}

function running(input: {
  child: ChildProcess;
  output: { text: string };
  dir: string;
  port: number;
  writeSite: (upstreams: string[]) => void;
  timeoutMs: number;
}): Nginx {
  const { child, output, dir, port } = input;
  // A test process that ends without stop() takes nginx along (its master ends its workers).
  const stopOnExit = () => {
    child.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  };
  process.once("exit", stopOnExit);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    pid: child.pid ?? 0,
    dir,
    log: () => output.text,
    accessLog: () => readFileSync(path.join(dir, "access.log"), "utf8"),
    async reload(upstreams) {
      if (upstreams) input.writeSite(upstreams);
      const before = output.text.length;
      child.kill("SIGHUP");
      const deadline = Date.now() + input.timeoutMs;
      for (;;) {
        const since = output.text.slice(before);
        if (/\[emerg\]/.test(since))
          throw new Error(`nginx refused the new configuration: ${since}`);
        if (count(since, STARTED) > 0 && count(since, RETIRED) > 0) return;
        if (Date.now() > deadline) throw new Error(`nginx did not reload: ${since}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async stop() {
      process.off("exit", stopOnExit);
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, "exit");
        // SIGTERM is nginx's fast shutdown: WebSockets and event streams are closed, not waited for.
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
