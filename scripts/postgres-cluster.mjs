// A throwaway PostgreSQL cluster for tests and the drift check: `initdb` into a temporary
// directory, `postgres` on a free loopback port with its socket in that directory, settings that
// trade durability for speed (never for a real database), and everything removed on stop.
//
// PostgreSQL refuses to run as root, and tests here may run as root: the cluster then belongs to
// `nobody` and its processes drop to that user (setpriv, which execs, so the process this starts
// is postgres itself and a signal reaches it directly). The binaries come from `pg_config
// --bindir` or Debian's /usr/lib/postgresql/<version>/bin (scripts/install-test-tools.sh installs
// Debian's package). A cluster the package made for itself (port 5432) is left alone.
import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

const DEBIAN_ROOT = "/usr/lib/postgresql";
const READY = /database system is ready to accept connections/;
const SUPERUSER = "postgres";

/** The directory holding initdb and postgres; throws with how to install them when none does. */
export function postgresBinDir() {
  const candidates = [];
  try {
    candidates.push(execFileSync("pg_config", ["--bindir"], { encoding: "utf8" }).trim());
  } catch {
    // no pg_config on PATH: look where Debian puts the server
  }
  if (existsSync(DEBIAN_ROOT)) {
    const versions = readdirSync(DEBIAN_ROOT)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => path.join(DEBIAN_ROOT, v, "bin")));
  }
  const found = candidates.find(
    (dir) => existsSync(path.join(dir, "initdb")) && existsSync(path.join(dir, "postgres")),
  );
  if (!found) {
    throw new Error(
      "PostgreSQL's server binaries (initdb, postgres) were not found: run scripts/install-test-tools.sh or `apt-get install postgresql`",
    );
  }
  return found;
}

async function freePort() {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  await once(server, "close");
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** `nobody`'s ids when running as root (PostgreSQL will not run as root); null otherwise. */
function unprivilegedUser() {
  if (process.getuid?.() !== 0) return null;
  const id = (flag) => Number(execFileSync("id", [flag, "nobody"], { encoding: "utf8" }).trim());
  return { uid: id("-u"), gid: id("-g") };
}

function command(bin, args, user) {
  if (!user) return [bin, args];
  return [
    "setpriv",
    [`--reuid=${user.uid}`, `--regid=${user.gid}`, "--clear-groups", "--", bin, ...args],
  ];
}

/**
 * Starts a cluster; `stop()` ends it and removes its files. `createDatabase(name)` makes a
 * database (C collation, UTF-8) and returns its URL.
 *
 * @param {{ timeoutMs?: number, settings?: Record<string, string> }} [options]
 */
export async function startPostgresCluster(options = {}) {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const bin = postgresBinDir();
  const user = unprivilegedUser();
  const dir = mkdtempSync(path.join(tmpdir(), "rm-postgres-"));
  const data = path.join(dir, "data");
  if (user) chownSync(dir, user.uid, user.gid);
  const [initdb, initdbArgs] = command(
    path.join(bin, "initdb"),
    ["-D", data, "-U", SUPERUSER, "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync"],
    user,
  );
  try {
    execFileSync(initdb, initdbArgs, {
      cwd: dir,
      stdio: "pipe",
      env: { ...process.env, LC_ALL: "C" },
    });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${error.stderr?.toString() ?? error}`);
  }
  // A port found free may be taken before postgres binds it: try a few.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return await startOn({ bin, user, dir, data, port, timeoutMs, settings: options.settings });
    } catch (error) {
      if (attempt >= 3 || !/could not bind|Address already in use/.test(String(error))) {
        rmSync(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }
}

async function startOn({ bin, user, dir, data, port, timeoutMs, settings }) {
  const config = {
    listen_addresses: "127.0.0.1",
    port: String(port),
    unix_socket_directories: dir,
    fsync: "off",
    synchronous_commit: "off",
    full_page_writes: "off",
    max_connections: "200",
    shared_buffers: "64MB",
    timezone: "UTC",
    ...settings,
  };
  const [postgres, args] = command(
    path.join(bin, "postgres"),
    ["-D", data, ...Object.entries(config).flatMap(([key, value]) => ["-c", `${key}=${value}`])],
    user,
  );
  const child = spawn(postgres, args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`postgres did not start within ${timeoutMs} ms: ${output}`));
    }, timeoutMs);
    const onData = (chunk) => {
      output += chunk.toString("utf8");
      if (READY.test(output)) {
        clearTimeout(timer);
        resolve(undefined);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`postgres exited with ${code}: ${output}`));
    });
  });
  // Keep reading its output so a full pipe never blocks it, without keeping it.
  child.stdout.removeAllListeners("data").resume();
  child.stderr.removeAllListeners("data").resume();
  // A test process that ends without stop() (a crash, a forgotten afterAll) takes it along.
  const killOnExit = () => {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  };
  process.once("exit", killOnExit);
  const url = (database) => `postgresql://${SUPERUSER}@127.0.0.1:${port}/${database}`;
  const psql = (databaseUrl, args) =>
    execFileSync(
      path.join(bin, "psql"),
      ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", databaseUrl, ...args],
      {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
  return {
    port,
    dir,
    url,
    psql,
    async createDatabase(name) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
      psql(url("postgres"), [
        "-c",
        `CREATE DATABASE "${name}" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`,
      ]);
      return url(name);
    },
    async stop() {
      process.off("exit", killOnExit);
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, "exit");
        // SIGINT is PostgreSQL's fast shutdown: sessions are ended, nothing is waited for.
        child.kill("SIGINT");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
