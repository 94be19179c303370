import { execFile, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { toolOrPath, waitFor } from "@restic-manager/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { environmentOf, root } from "./support/dockerDeployment.js";
import { waitForJobEnd } from "./support/jobs.js";
import { snapshotsOfPaths } from "./support/resticCli.js";
import { type Client, makeClient } from "./support/world.js";

/**
 * The Docker images built and run for real, with Debian's Podman as root. No image registry
 * is reachable, so the base image every Dockerfile names, debian:trixie-slim, is made here
 * from Debian's archive with debootstrap (trimmed as Debian's slim images are) and imported
 * under that name; then the three images are built from docker/*.Dockerfile and run as
 * compose.yaml runs them: the server with the master key as a secret and a volume, the
 * rest-server pair over one volume with an htpasswd secret, and the sample agent enrolled
 * with a token made through the server's API, which backs up into the pair's repository.
 *
 * Podman keeps everything (images, containers, volumes, secrets, the network's
 * configuration) under this test's temporary directory, and all of it is removed at the end.
 * Its configuration suits this machine: runc (crun 1.8 refuses the hybrid cgroup layout), the
 * cgroupfs manager and a file for events (no systemd), and limits on open files and processes
 * that the container's process may set (Podman's defaults are higher than a root without
 * CAP_SYS_RESOURCE may raise them to, and runc then starts nothing).
 */
const runFile = promisify(execFile);

/** Every step is bounded; these are generous for two busy cores. */
const MINUTE = 60_000;
const BASE_TIMEOUT = 10 * MINUTE;
const BUILD_TIMEOUT = 20 * MINUTE;

const SUBNET = "10.213.7";
const IP = {
  server: `${SUBNET}.10`,
  "rest-server": `${SUBNET}.11`,
  "rest-server-maintenance": `${SUBNET}.12`,
  agent: `${SUBNET}.20`,
} as const;
/** Compose's service names resolve in every container, as on Compose's network. */
const ADD_HOSTS = Object.entries(IP).flatMap(([name, ip]) => ["--add-host", `${name}:${ip}`]);
const NETWORK = "restic-manager-test";

const ADMIN_PASSWORD = "correct horse battery staple";
const REST_PASSWORD = "alice-rest-password";
const REPOSITORY_PASSWORD = "correct repository password";

const scratch = mkdtempSync(path.join(tmpdir(), "rm-images-"));
const podmanEnv = {
  ...process.env,
  CONTAINERS_CONF: path.join(scratch, "containers.conf"),
  CONTAINERS_STORAGE_CONF: path.join(scratch, "storage.conf"),
};
/** How long each step took, printed at the end (docker/README.md quotes them). */
const timings: [string, number][] = [];

async function timed<T>(what: string, step: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await step();
  } finally {
    timings.push([what, Math.round((Date.now() - started) / 100) / 10]);
  }
}

/** Runs podman with this test's configuration; rejects with its output when it fails. */
function podman(args: string[], options: { input?: string; timeoutMs?: number } = {}) {
  return new Promise<string>((resolve, reject) => {
    const child = spawn("podman", args, {
      cwd: root,
      env: podmanEnv,
      stdio: ["pipe", "pipe", "pipe"],
      timeout: options.timeoutMs ?? 2 * MINUTE,
      killSignal: "SIGKILL",
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    child.stdin.end(options.input ?? "");
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (code === 0) resolve(stdout);
      else
        reject(
          new Error(
            `podman ${args.slice(0, 3).join(" ")} … exited ${code ?? signal}:\n${stderr.slice(-4000)}${stdout.slice(-4000)}`,
          ),
        );
    });
  });
}

const healthy = (container: string) =>
  podman(["healthcheck", "run", container], { timeoutMs: 30_000 }).then(
    () => true,
    () => false,
  );

function waitHealthy(container: string, timeoutMs = 2 * MINUTE) {
  return waitFor(() => healthy(container), {
    timeoutMs,
    intervalMs: 1000,
    what: `${container}'s health check to pass`,
  });
}

/** The base image: Debian trixie's minimal system from the archive, as the slim images are. */
async function importBaseImage() {
  const rootfs = path.join(scratch, "rootfs");
  await timed("debootstrap trixie (minbase)", () =>
    runFile(
      "debootstrap",
      ["--variant=minbase", "trixie", rootfs, "http://deb.debian.org/debian"],
      { timeout: BASE_TIMEOUT, maxBuffer: 64 * 1024 * 1024 },
    ),
  );
  // What Debian's slim images leave out, and what their dpkg and apt are told.
  writeFileSync(
    path.join(rootfs, "etc/dpkg/dpkg.cfg.d/slim"),
    [
      "force-unsafe-io",
      "path-exclude=/usr/share/doc/*",
      "path-include=/usr/share/doc/*/copyright",
      "path-exclude=/usr/share/man/*",
      "path-exclude=/usr/share/info/*",
      "path-exclude=/usr/share/groff/*",
      "path-exclude=/usr/share/lintian/*",
      "path-exclude=/usr/share/locale/*",
      "path-include=/usr/share/locale/locale.alias",
      "",
    ].join("\n"),
  );
  writeFileSync(
    path.join(rootfs, "etc/apt/apt.conf.d/no-languages"),
    'Acquire::Languages "none";\n',
  );
  await runFile("sh", [
    "-c",
    `cd "$1" && find usr/share/doc -mindepth 2 ! -type d ! -name copyright -delete &&
     rm -rf usr/share/man/* usr/share/info/* var/lib/apt/lists/* var/cache/apt/*.bin \
       var/cache/apt/archives/*.deb var/log/*.log var/log/apt/* &&
     find usr/share/locale -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +`,
    "sh",
    rootfs,
  ]);
  // The certificate authorities this machine adds (a TLS-inspecting proxy's, say) reach the
  // images as a company's own base image would carry them: ca-certificates picks them up.
  const localCas = "/usr/local/share/ca-certificates";
  mkdirSync(path.join(rootfs, localCas), { recursive: true });
  for (const name of safeReaddir(localCas).filter((n) => n.endsWith(".crt"))) {
    copyFileSync(path.join(localCas, name), path.join(rootfs, localCas, name));
  }
  await timed("import as debian:trixie-slim", async () => {
    const tarball = path.join(scratch, "trixie-slim.tar");
    await runFile("tar", ["-C", rootfs, "-cf", tarball, "."], { timeout: 2 * MINUTE });
    rmSync(rootfs, { recursive: true, force: true });
    await podman(["import", tarball, "docker.io/library/debian:trixie-slim"]);
    rmSync(tarball, { force: true });
  });
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * The build context: the repository's files as a clone has them (tracked files and new ones
 * git does not ignore), copied once, so that the server's and the agent's builds see the same
 * context and the agent's build stage comes from the server's layers.
 */
const context = path.join(scratch, "context");

async function snapshotContext() {
  await timed("copy the build context", () =>
    runFile(
      "sh",
      [
        "-c",
        `mkdir -p "$1" && git ls-files -z --cached --others --exclude-standard |
           xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\\0" "$f"; done' sh |
           tar --null -T - -cf - | tar -C "$1" -xf -`,
        "sh",
        context,
      ],
      { cwd: root, timeout: 2 * MINUTE, maxBuffer: 64 * 1024 * 1024 },
    ),
  );
}

/** podman build as `docker build -f docker/NAME.Dockerfile -t … .` from the repository. */
function build(name: "server" | "agent" | "rest-server") {
  return timed(`build ${name}`, () =>
    podman(
      [
        "build",
        "--format=docker", // keeps HEALTHCHECK (the OCI format has none)
        "--network=host",
        "--pull=never",
        "--layers",
        `--ignorefile=${context}/docker/${name}.Dockerfile.dockerignore`,
        "-f",
        `${context}/docker/${name}.Dockerfile`,
        "-t",
        `restic-manager-${name}`,
        context,
      ],
      { timeoutMs: BUILD_TIMEOUT },
    ).catch((error: Error) => {
      throw new Error(`building ${name}: ${error.message}`);
    }),
  );
}

async function imageSizeMb(name: string) {
  const bytes = Number(await podman(["image", "inspect", "--format", "{{.Size}}", name]));
  return Math.round(bytes / 1e6);
}

/** `podman run -d` of one of compose.yaml's services on the test's network. */
function runService(
  service: keyof typeof IP,
  image: string,
  args: string[],
  command: string[] = [],
) {
  return podman([
    "run",
    "-d",
    "--name",
    service,
    "--hostname",
    service === "agent" ? "sample-agent" : service,
    "--network",
    NETWORK,
    "--ip",
    IP[service],
    ...ADD_HOSTS,
    ...args,
    image,
    ...command,
  ]);
}

describe("the Docker images, built and run with Podman", () => {
  const serverUrl = `http://${IP.server}:8080`;
  const sizes: Record<string, number> = {};
  let admin: Client;

  beforeAll(async () => {
    // Podman asks for more open files than a sandbox may grant (1048576) and runc then
    // fails to start anything: no more than this process has. Processes: 32768, Podman's
    // own default for builds (the full limit of this process is refused too).
    const hardNofile =
      /^Max open files\s+\S+\s+(\d+)/m.exec(readFileSync("/proc/self/limits", "utf8"))?.[1] ??
      "1024";
    writeFileSync(
      podmanEnv.CONTAINERS_CONF,
      [
        "[containers]",
        `default_ulimits = ["nofile=${hardNofile}:${hardNofile}", "nproc=32768:32768"]`,
        "[engine]",
        'runtime = "runc"',
        'cgroup_manager = "cgroupfs"',
        'events_logger = "file"',
        `tmp_dir = "${scratch}/libpod"`,
        "[network]",
        `network_config_dir = "${scratch}/cni"`,
        "",
      ].join("\n"),
    );
    writeFileSync(
      podmanEnv.CONTAINERS_STORAGE_CONF,
      [
        "[storage]",
        'driver = "overlay"',
        `graphroot = "${scratch}/storage"`,
        `runroot = "${scratch}/run"`,
        "",
      ].join("\n"),
    );
    await importBaseImage();
    await snapshotContext();
    // One at a time: two cores. The agent's build stage is the server's, so it comes from
    // the layers the server's build left.
    await build("rest-server");
    await build("server");
    await build("agent");
    for (const name of [
      "debian:trixie-slim",
      ...["server", "agent", "rest-server"].map((n) => `restic-manager-${n}`),
    ]) {
      sizes[name] = await imageSizeMb(name);
    }

    await podman(["network", "create", "--subnet", `${SUBNET}.0/24`, NETWORK]);
    // The two secrets as docker/README.md makes them (rest-server takes {SHA} as well as
    // bcrypt, and node:crypto makes it), mounted where Compose mounts them, owned by the
    // image's user as the README says to chown them.
    const secrets = path.join(scratch, "secrets");
    mkdirSync(secrets);
    writeFileSync(path.join(secrets, "master.key"), `${randomBytes(32).toString("base64")}\n`);
    const sha = createHash("sha1").update(REST_PASSWORD).digest("base64");
    writeFileSync(path.join(secrets, "rest.htpasswd"), `alice:{SHA}${sha}\n`);
    await podman(["secret", "create", "master_key", path.join(secrets, "master.key")]);
    await podman(["secret", "create", "rest_htpasswd", path.join(secrets, "rest.htpasswd")]);

    await timed("start server and rest-servers", async () => {
      const server = environmentOf("server");
      await runService("server", "restic-manager-server", [
        ...Object.entries({ ...server, RM_PUBLIC_URL: serverUrl }).flatMap(([k, v]) => [
          "-e",
          `${k}=${v}`,
        ]),
        "--secret",
        "master_key,uid=10001,mode=0400",
        "-v",
        "server-data:/data",
      ]);
      for (const [name, extra] of [
        ["rest-server", ["--append-only"]],
        ["rest-server-maintenance", []],
      ] as const) {
        await runService(
          name,
          "restic-manager-rest-server",
          ["--secret", "rest_htpasswd,uid=10002,mode=0400", "-v", "repositories:/data"],
          [...extra, "--private-repos", "--htpasswd-file", "/run/secrets/rest_htpasswd"],
        );
      }
      await Promise.all(
        ["server", "rest-server", "rest-server-maintenance"].map((c) => waitHealthy(c)),
      );
    });
    await podman(
      [
        "exec",
        "-i",
        "server",
        "restic-manager-entrypoint",
        "user",
        "create",
        "--username",
        "admin",
        "--role",
        "admin",
      ],
      { input: `${ADMIN_PASSWORD}\n` },
    );
    admin = makeClient(serverUrl);
    await admin.auth.login.mutate({ username: "admin", password: ADMIN_PASSWORD });
  }, 45 * MINUTE);

  afterAll(async () => {
    console.log(
      `docker images: ${timings.map(([what, s]) => `${what} ${s} s`).join("; ")}; sizes (MB) ${JSON.stringify(sizes)}`,
    );
    await podman(["rm", "--all", "--force", "--time", "2"], { timeoutMs: MINUTE }).catch(() => {});
    await podman(["system", "reset", "--force"], { timeoutMs: 2 * MINUTE }).catch(() => {});
    // What the CNI plugins keep outside Podman's directories for the network: its addresses.
    rmSync(`/var/lib/cni/networks/${NETWORK}`, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  }, 5 * MINUTE);

  it("the server answers /healthz and serves the web app and agent.mjs, its health check passes, and it runs as its own user with the key from the secret", async () => {
    expect((await fetch(`${serverUrl}/healthz`)).status).toBe(200);
    const page = await fetch(`${serverUrl}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<div id=");
    expect((await fetch(`${serverUrl}/agent/agent.mjs`)).status).toBe(200);
    expect(await healthy("server")).toBe(true);
    expect(await podman(["inspect", "--format", "{{.State.Health.Status}}", "server"])).toContain(
      "healthy",
    );
    // No key was generated in the volume: the server read the secret.
    const data = await podman(["exec", "server", "ls", "-A", "/data"]);
    expect(data).toContain("restic-manager.db");
    expect(data).not.toContain("master.key");
    expect((await podman(["exec", "server", "id", "-u"])).trim()).toBe("10001");
  });

  it("the rest-server pair over one volume: both pass their health checks; the endpoint refuses a delete that the maintenance server carries out", async () => {
    expect(await healthy("rest-server")).toBe(true);
    expect(await healthy("rest-server-maintenance")).toBe(true);
    const auth = {
      authorization: `Basic ${Buffer.from(`alice:${REST_PASSWORD}`).toString("base64")}`,
    };
    const at = (service: "rest-server" | "rest-server-maintenance", url: string) =>
      `http://${IP[service]}:8000${url}`;
    const blob = createHash("sha256").update("x").digest("hex");
    const status = (url: string, init: RequestInit) => fetch(url, init).then((r) => r.status);
    expect(
      await status(at("rest-server", "/alice/pair/?create=true"), {
        method: "POST",
        headers: auth,
      }),
    ).toBe(200);
    expect(
      await status(at("rest-server", `/alice/pair/data/${blob}`), {
        method: "POST",
        headers: auth,
        body: "x",
      }),
    ).toBe(200);
    expect(await status(at("rest-server", "/alice/pair/config"), { method: "GET" })).toBe(401);
    expect(
      await status(at("rest-server", `/alice/pair/data/${blob}`), {
        method: "DELETE",
        headers: auth,
      }),
    ).toBe(403);
    expect(
      await status(at("rest-server-maintenance", `/alice/pair/data/${blob}`), {
        method: "DELETE",
        headers: auth,
      }),
    ).toBe(200);
  });

  it(
    "the agent container enrolls with a token made through the API, connects, passes its health check, and backs up the sample data into the repository",
    async () => {
      // The sample data, written into its volume.
      await podman([
        "run",
        "--rm",
        "--network=none",
        "-v",
        "sample-data:/srv/sample-data",
        "debian:trixie-slim",
        "sh",
        "-c",
        "mkdir -p /srv/sample-data/notes && echo 'hello from the sample data' > /srv/sample-data/notes/hello.txt && head -c 1048576 /dev/urandom > /srv/sample-data/random.bin",
      ]);
      const { token } = await admin.hosts.createEnrollment.mutate({ expiresInHours: 1 });
      const agentEnv = environmentOf("agent", { RM_ENROLL_TOKEN: token });
      expect(agentEnv.AGENT_SERVER_URL).toBe("http://server:8080");
      await timed("agent enrolls and connects", async () => {
        await runService("agent", "restic-manager-agent", [
          ...Object.entries(agentEnv).flatMap(([k, v]) => ["-e", `${k}=${v}`]),
          "-v",
          "agent-state:/var/lib/restic-manager-agent",
          "-v",
          "sample-data:/srv/sample-data:ro",
        ]);
        await waitHealthy("agent");
      });
      const host = await waitFor(
        async () => (await admin.hosts.list.query()).items.find((h) => h.online),
        { timeoutMs: 30_000, intervalMs: 500, what: "the sample agent online" },
      );
      expect(host.name).toBe("sample-agent");
      expect(await admin.hosts.get.query({ id: host.id })).toMatchObject({
        resticVersion: expect.stringMatching(/^0\.18\./),
        resticProblem: null,
      });

      const url = (service: string) =>
        `rest:http://alice:${REST_PASSWORD}@${service}:8000/alice/sample`;
      const { repository, setupJobId } = await admin.repositories.create.mutate({
        name: "sample",
        url: url("rest-server"),
        password: REPOSITORY_PASSWORD,
        maintenance: { url: url("rest-server-maintenance"), hostId: host.id },
        setup: { mode: "init", hostId: host.id },
      });
      const setup = await waitForJobEnd(admin, setupJobId, 2 * MINUTE);
      expect(setup.state, setup.error ?? "").toBe("succeeded");

      const backup = await timed("backup job", async () => {
        const { id } = await admin.jobs.create.mutate({
          hostId: host.id,
          repositoryId: repository.id,
          params: { kind: "backup", paths: ["/srv/sample-data"] },
        });
        return waitForJobEnd(admin, id, 2 * MINUTE);
      });
      expect(backup.state, backup.error ?? "").toBe("succeeded");

      // restic on this machine, outside the containers, finds the snapshot in the volume.
      const snapshots = await snapshotsOfPaths(
        `rest:http://alice:${REST_PASSWORD}@${IP["rest-server-maintenance"]}:8000/alice/sample`,
        REPOSITORY_PASSWORD,
        ["/srv/sample-data"],
      );
      expect(snapshots).toHaveLength(1);
      const { stdout } = await runFile(
        toolOrPath("restic"),
        ["--no-cache", "dump", snapshots[0]?.id ?? "", "/srv/sample-data/notes/hello.txt"],
        {
          env: {
            PATH: process.env.PATH ?? "",
            HOME: scratch,
            RESTIC_REPOSITORY: `rest:http://alice:${REST_PASSWORD}@${IP["rest-server-maintenance"]}:8000/alice/sample`,
            RESTIC_PASSWORD: REPOSITORY_PASSWORD,
          },
        },
      );
      expect(stdout).toBe("hello from the sample data\n");
    },
    8 * MINUTE,
  );
});
