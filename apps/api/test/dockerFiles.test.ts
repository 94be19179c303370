import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { once } from "node:events";
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { toolOrPath, toolsEnv, waitFor } from "@restic-manager/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig, SETTING_NAMES } from "../src/config.js";
import {
  interpolate,
  parseYamlSubset,
  type YamlMap,
  type YamlValue,
} from "./support/composeYaml.js";
import {
  copyParts,
  envVariables,
  execForm,
  parseDockerfile,
  type Stage,
} from "./support/dockerfile.js";
import { type Client, createWorld, type World } from "./support/world.js";

/**
 * docker/: no container engine runs where these tests run, so the images are not built here.
 * What can be checked is: the Compose file and the Dockerfiles say what the deployment needs
 * (read and checked below), and the scripts the images start and probe with work, run for
 * real outside a container.
 */
const root = path.resolve(import.meta.dirname, "../../..");
const dockerDir = path.join(root, "docker");
const read = (relative: string) => readFileSync(path.join(root, relative), "utf8");
const run = promisify(execFile);

const compose = parseYamlSubset(read("docker/compose.yaml"));
const DOCKERFILES = ["server", "agent", "rest-server"] as const;
const dockerfiles = Object.fromEntries(
  DOCKERFILES.map((name) => [name, parseDockerfile(read(`docker/${name}.Dockerfile`))]),
) as Record<(typeof DOCKERFILES)[number], Stage[]>;

function map(value: YamlValue | undefined, what: string): YamlMap {
  if (value === undefined || typeof value === "string" || Array.isArray(value)) {
    throw new Error(`${what} is not a mapping`);
  }
  return value;
}

function list(value: YamlValue | undefined, what: string): YamlValue[] {
  if (!Array.isArray(value)) throw new Error(`${what} is not a list`);
  return value;
}

function strings(value: YamlValue | undefined, what: string): string[] {
  return list(value, what).map((item) => {
    if (typeof item !== "string") throw new Error(`${what} holds a non-scalar`);
    return item;
  });
}

const services = map(compose.services, "services");
const service = (name: string) => map(services[name], `service ${name}`);

/** A service's environment with Compose's ${…} resolved as on a host that sets none of them. */
function environmentOf(name: string, env: Record<string, string> = {}): Record<string, string> {
  const entries = Object.entries(map(service(name).environment, `${name}.environment`));
  return Object.fromEntries(
    entries.map(([key, value]) => {
      if (typeof value !== "string") throw new Error(`${name}.environment.${key} is not a scalar`);
      return [key, interpolate(value, env)];
    }),
  );
}

/** "source:target[:mode]" volume entries of a service. */
function mountsOf(name: string): { source: string; target: string; mode: string | undefined }[] {
  return strings(service(name).volumes ?? [], `${name}.volumes`).map((entry) => {
    const [source = "", target = "", mode] = entry.split(":");
    return { source, target, mode };
  });
}

function dockerfileOf(name: string): Stage[] {
  const build = map(service(name).build, `${name}.build`);
  const file = String(build.dockerfile);
  const match = /^docker\/(.+)\.Dockerfile$/.exec(file);
  const stages = match?.[1] ? dockerfiles[match[1] as keyof typeof dockerfiles] : undefined;
  if (!stages) throw new Error(`${name} is built from ${file}, not one of docker/*.Dockerfile`);
  return stages;
}

function finalStage(stages: Stage[]): Stage {
  const stage = stages.at(-1);
  if (!stage) throw new Error("a Dockerfile without FROM");
  return stage;
}

function instructions(stage: Stage, keyword: string) {
  return stage.instructions.filter((instruction) => instruction.keyword === keyword);
}

/** Where the final stage COPYs each file from the build context, by its path in the image. */
function installedFromContext(stages: Stage[]): Map<string, string> {
  const installed = new Map<string, string>();
  for (const copy of instructions(finalStage(stages), "COPY")) {
    const { flags, sources, destination } = copyParts(copy.args);
    if (flags.from === undefined && sources.length === 1 && sources[0]) {
      installed.set(destination, sources[0]);
    }
  }
  return installed;
}

function restServerArgs(name: string): string[] {
  const entrypoint = execForm(
    instructions(finalStage(dockerfileOf(name)), "ENTRYPOINT")[0]?.args ?? "",
  );
  const command = service(name).command;
  return [...(entrypoint ?? []), ...strings(command, `${name}.command`)];
}

function flagValue(args: string[], flag: string): string | undefined {
  const at = args.indexOf(flag);
  return at >= 0 ? args[at + 1] : undefined;
}

describe("docker/compose.yaml", () => {
  it("runs the server, a rest-server pair and the sample agent, with its volumes and secrets declared", () => {
    expect(Object.keys(services).sort()).toEqual([
      "agent",
      "rest-server",
      "rest-server-maintenance",
      "server",
    ]);
    expect(Object.keys(map(compose.volumes, "volumes")).sort()).toEqual([
      "agent-state",
      "repositories",
      "sample-data",
      "server-data",
    ]);
    expect(Object.keys(map(compose.secrets, "secrets")).sort()).toEqual([
      "master_key",
      "rest_htpasswd",
    ]);
  });

  it("sets on the server only variables the server reads, and the server loads them", () => {
    const env = environmentOf("server");
    const unknown = Object.keys(env).filter((key) => !SETTING_NAMES.includes(key));
    expect(unknown).toEqual([]);
    const config = loadConfig(env, "/");
    expect(config.dataDir).toBe("/data");
    expect(config.databasePath).toBe("/data/restic-manager.db");
    expect(config.publicUrl).toBe("http://localhost:8080");
    expect(
      loadConfig(environmentOf("server", { RM_PUBLIC_URL: "https://backup.example.org" }), "/")
        .publicUrl,
    ).toBe("https://backup.example.org");
    // The image's own ENV is configuration too.
    for (const name of DOCKERFILES) {
      for (const env of instructions(finalStage(dockerfiles[name]), "ENV")) {
        const keys = Object.keys(envVariables(env.args)).filter((key) => key.startsWith("RM_"));
        expect(
          keys.filter((key) => !SETTING_NAMES.includes(key)),
          `${name}.Dockerfile`,
        ).toEqual([]);
      }
    }
  });

  it("keeps the master key in a Docker secret the server reads as its key file, not in the environment", () => {
    const env = environmentOf("server");
    expect(env).not.toHaveProperty("RM_MASTER_KEY");
    const config = loadConfig(env, "/");
    expect(config.masterKeysFromEnv).toBeUndefined();
    expect(strings(service("server").secrets, "server.secrets")).toContain("master_key");
    // Compose mounts a service's secret NAME at /run/secrets/NAME.
    expect(config.masterKeyFile).toBe("/run/secrets/master_key");
    const secret = map(map(compose.secrets, "secrets").master_key, "secrets.master_key");
    expect(secret.file).toBe("./secrets/master.key");
    // The key file lives on the Docker host, never in the data volume or the image.
    expect(read("docker/.gitignore")).toMatch(/^secrets\/$/m);
    expect(read("docker/server.Dockerfile.dockerignore")).toMatch(/^docker\/secrets$/m);
  });

  it("runs the endpoints' rest-server append-only and the maintenance one with full rights, both private and authenticated, over one volume", () => {
    const endpoint = restServerArgs("rest-server");
    const maintenance = restServerArgs("rest-server-maintenance");
    expect(endpoint).toContain("--append-only");
    expect(maintenance).not.toContain("--append-only");
    for (const [name, args] of [
      ["rest-server", endpoint],
      ["rest-server-maintenance", maintenance],
    ] as const) {
      expect(args, name).toContain("--private-repos");
      expect(args, name).not.toContain("--no-auth");
      expect(flagValue(args, "--htpasswd-file"), name).toBe("/run/secrets/rest_htpasswd");
      expect(strings(service(name).secrets, `${name}.secrets`)).toContain("rest_htpasswd");
      // The repositories volume is mounted where the image's rest-server keeps its data.
      expect(mountsOf(name)).toEqual([
        { source: "repositories", target: flagValue(args, "--path"), mode: undefined },
      ]);
    }
  });

  it("publishes the endpoints' rest-server and the server, and the maintenance rest-server on no port", () => {
    expect(service("rest-server").ports).toEqual(["8000:8000"]);
    expect(service("server").ports).toEqual(["8080:8080"]);
    expect(service("rest-server-maintenance")).not.toHaveProperty("ports");
  });

  it("gives every service a health check whose command its image installs", () => {
    for (const name of Object.keys(services)) {
      const test = strings(
        map(service(name).healthcheck, `${name}.healthcheck`).test,
        `${name} test`,
      );
      expect(test[0], name).toBe("CMD");
      const stages = dockerfileOf(name);
      const installed = installedFromContext(stages);
      const command = test[1] ?? "";
      const script = command === "node" ? test[2] : command;
      const source = script ? installed.get(script) : undefined;
      expect(source, `${name}: ${test.join(" ")}`).toBeDefined();
      expect(existsSync(path.join(root, source ?? "")), `${name}: ${source}`).toBe(true);
      // The image's own HEALTHCHECK runs the same command.
      const own = instructions(finalStage(stages), "HEALTHCHECK")[0]?.args ?? "";
      expect(execForm(own.replace(/^(--\S+\s+)*CMD\s+/, "")), name).toEqual(test.slice(1));
    }
  });

  it("declares every named volume a service mounts, and mounts the sample data read-only", () => {
    const declared = Object.keys(map(compose.volumes, "volumes"));
    const used = new Set<string>();
    for (const name of Object.keys(services)) {
      for (const mount of mountsOf(name)) {
        expect(mount.source, `${name}: a named volume, not a host path`).toMatch(
          /^[a-z][a-z0-9-]*$/,
        );
        used.add(mount.source);
      }
    }
    expect([...used].sort()).toEqual([...declared].sort());
    expect(mountsOf("server")).toEqual([
      { source: "server-data", target: "/data", mode: undefined },
    ]);
    expect(mountsOf("agent")).toContainEqual({
      source: "sample-data",
      target: "/srv/sample-data",
      mode: "ro",
    });
  });

  it("builds every service from a Dockerfile here, with the repository as the context", () => {
    for (const name of Object.keys(services)) {
      const build = map(service(name).build, `${name}.build`);
      expect(path.resolve(dockerDir, String(build.context)), name).toBe(root);
      expect(existsSync(path.join(root, String(build.dockerfile))), name).toBe(true);
      expect(String(service(name).image), name).not.toMatch(/:latest$|^[^:]+$/);
    }
  });

  it("gives the sample agent only the variables its entry point and the agent read, and starts it once the server is healthy", () => {
    const env = environmentOf("agent");
    expect(Object.keys(env).sort()).toEqual(["AGENT_SERVER_URL", "RM_ENROLL_TOKEN"]);
    expect(read("apps/agent/src/main.ts")).toContain("process.env.RM_ENROLL_TOKEN");
    expect(read("docker/agent-entrypoint.sh")).toContain('--server "$AGENT_SERVER_URL"');
    expect(env.AGENT_SERVER_URL).toBe("http://server:8080");
    expect(service("agent").depends_on).toEqual({ server: { condition: "service_healthy" } });
    expect(service("agent").profiles).toEqual(["sample-agent"]);
  });
});

describe("docker/*.Dockerfile", () => {
  it("runs every image as a user other than root", () => {
    for (const name of DOCKERFILES) {
      const users = instructions(finalStage(dockerfiles[name]), "USER");
      const user = users.at(-1)?.args ?? "root";
      expect(user, name).not.toMatch(/^(root|0)(:|$)/);
      // The user is made in the image before it is used.
      const runs = instructions(finalStage(dockerfiles[name]), "RUN").map((r) => r.args);
      expect(
        runs.some((text) => text.includes(`useradd`) && text.includes(` ${user}`)),
        name,
      ).toBe(true);
    }
  });

  it("gives every image a HEALTHCHECK, the server's asking /healthz, which the server answers", () => {
    for (const name of DOCKERFILES) {
      expect(instructions(finalStage(dockerfiles[name]), "HEALTHCHECK"), name).toHaveLength(1);
    }
    expect(read("docker/server-healthcheck.mjs")).toMatch(
      /fetch\(`http:\/\/127\.0\.0\.1:\$\{port\}\/healthz`/,
    );
    expect(read("apps/api/src/http.ts")).toContain('app.get("/healthz"');
  });

  it("starts from a tagged Debian image, never latest, and names a stage it copies from", () => {
    for (const name of DOCKERFILES) {
      const stages = dockerfiles[name];
      for (const stage of stages) {
        expect(stage.image, name).toMatch(/^debian:(trixie|bookworm)-slim$/);
      }
      for (const copy of instructions(finalStage(stages), "COPY")) {
        const from = copyParts(copy.args).flags.from;
        if (from !== undefined)
          expect(
            stages.map((s) => s.name),
            name,
          ).toContain(from);
      }
    }
  });

  it("copies only files that exist and that the .dockerignore beside it lets through, never with ADD", () => {
    for (const name of DOCKERFILES) {
      const ignore = dockerignore(`docker/${name}.Dockerfile.dockerignore`);
      for (const stage of dockerfiles[name]) {
        expect(instructions(stage, "ADD"), name).toEqual([]);
        for (const copy of instructions(stage, "COPY")) {
          const { flags, sources } = copyParts(copy.args);
          if (flags.from !== undefined) continue;
          for (const source of sources) {
            expect(existsSync(path.join(root, source)), `${name}: COPY ${source}`).toBe(true);
            if (source !== ".") expect(ignore(source), `${name}: ${source} is ignored`).toBe(false);
          }
        }
      }
    }
    // What the build stage's `COPY . .` must carry for the build script.
    const ignore = dockerignore("docker/server.Dockerfile.dockerignore");
    for (const needed of [
      "scripts/build-release.sh",
      "pnpm-lock.yaml",
      "pnpm-workspace.yaml",
      "prisma/schema.prisma",
      "prisma.config.ts",
      "apps/api/src/main.ts",
      "apps/web/index.html",
      "apps/agent/build.mjs",
      "packages/contracts/src/index.ts",
    ]) {
      expect(ignore(needed), needed).toBe(false);
    }
    for (const excluded of [
      "node_modules/x",
      "apps/api/dist/main.js",
      "data/restic-manager.db",
      "docker/secrets",
    ]) {
      expect(ignore(excluded), excluded).toBe(true);
    }
  });

  it("installs packages as hadolint asks: update and install -y --no-install-recommends in one RUN that removes the lists; Node.js, restic and rest-server pinned", () => {
    for (const name of DOCKERFILES) {
      for (const stage of dockerfiles[name]) {
        for (const run of instructions(stage, "RUN")) {
          if (!run.args.includes("apt-get install")) {
            expect(run.args, `${name}:${run.line}`).not.toMatch(
              /apt-get (update|upgrade)|apt install/,
            );
            continue;
          }
          expect(run.args, `${name}:${run.line}`).toMatch(
            /^apt-get update && apt-get install -y --no-install-recommends /,
          );
          expect(run.args, `${name}:${run.line}`).toMatch(/&& rm -rf \/var\/lib\/apt\/lists\/\*$/);
          for (const pinned of ["nodejs", "libnode-dev", "npm", "restic", "restic-rest-server"]) {
            const mention = new RegExp(`(?:^|\\s)${pinned}(=\\S+)?(?=\\s|$)`).exec(run.args);
            if (mention) expect(mention[1], `${name}: ${pinned} pinned`).toMatch(/^=\d/);
          }
        }
      }
    }
    const runtimePackages = (name: (typeof DOCKERFILES)[number]) =>
      instructions(finalStage(dockerfiles[name]), "RUN")
        .map((run) => run.args)
        .join(" ");
    expect(runtimePackages("server")).toContain("nodejs=20.19.*");
    expect(runtimePackages("agent")).toMatch(/nodejs=20\.19\.\* restic=0\.18\.\*/);
    expect(runtimePackages("rest-server")).toContain("restic-rest-server=0.13.*");
  });

  it("uses absolute WORKDIRs", () => {
    for (const name of DOCKERFILES) {
      for (const stage of dockerfiles[name]) {
        for (const workdir of instructions(stage, "WORKDIR")) {
          expect(workdir.args, name).toMatch(/^\//);
        }
      }
    }
  });

  it("builds with scripts/build-release.sh, the script the README documents, and copies what it gathers", () => {
    const script = path.join(root, "scripts/build-release.sh");
    accessSync(script, constants.X_OK);
    const text = readFileSync(script, "utf8");
    expect(text).toContain("pnpm install --frozen-lockfile");
    expect(text).toMatch(/^pnpm build$/m);
    expect(read("docker/README.md")).toContain("scripts/build-release.sh");
    for (const name of ["server", "agent"] as const) {
      const [build, runtime] = dockerfiles[name];
      const runs = instructions(build ?? finalStage([]), "RUN").map((r) => r.args);
      expect(runs, name).toContain("bash scripts/build-release.sh /opt/restic-manager");
      for (const copy of instructions(runtime ?? finalStage([]), "COPY")) {
        const { flags, sources } = copyParts(copy.args);
        if (flags.from !== "build") continue;
        for (const source of sources) {
          // What the script writes below its OUT folder: "$out/<path>" or the folder itself.
          const relative = path.relative("/opt/restic-manager", source);
          if (relative !== "") expect(text, `${name}: ${source}`).toContain(`"$out/${relative}"`);
        }
      }
    }
    // The server's entry point migrates through the Prisma CLI the script links, then serves.
    const entrypoint = read("docker/server-entrypoint.sh");
    expect(text).toContain('"$out/node_modules/prisma"');
    expect(entrypoint).toMatch(
      /node node_modules\/prisma\/build\/index\.js migrate deploy\n\s*exec node apps\/api\/dist\/main\.js serve/,
    );
  });

  it("shares one build stage between the server and the agent images, so one build serves both", () => {
    const [serverBuild] = dockerfiles.server;
    const [agentBuild] = dockerfiles.agent;
    expect(serverBuild?.name).toBe("build");
    const withoutLines = (stage: Stage | undefined) =>
      stage?.instructions.map(({ keyword, args }) => ({ keyword, args }));
    expect(withoutLines(agentBuild)).toEqual(withoutLines(serverBuild));
    expect(read("docker/agent.Dockerfile.dockerignore")).toBe(
      read("docker/server.Dockerfile.dockerignore"),
    );
  });
});

/** A .dockerignore's verdict on a path: the last matching pattern wins, `!` lets through. */
function dockerignore(relative: string): (file: string) => boolean {
  const patterns = read(relative)
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => ({ allow: line.startsWith("!"), regex: globToRegex(line.replace(/^!/, "")) }));
  return (file) => {
    let ignored = false;
    const parts = file.split("/");
    // A pattern matching a parent folder ignores everything below it.
    for (let depth = 1; depth <= parts.length; depth++) {
      const prefix = parts.slice(0, depth).join("/");
      for (const pattern of patterns) if (pattern.regex.test(prefix)) ignored = !pattern.allow;
    }
    return ignored;
  };
}

function globToRegex(glob: string): RegExp {
  let source = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] ?? "";
    if (glob.startsWith("**/", i)) {
      source += "(?:.*/)?";
      i += 2;
    } else if (c === "*") source += "[^/]*";
    else if (c === "?") source += "[^/]";
    else source += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}

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

    it("the server's health check passes while it runs, with the key from the secret file", async () => {
      const healthcheck = path.join(dockerDir, "server-healthcheck.mjs");
      const env = { ...process.env, RM_PORT: String(world.server.port) };
      await expect(run(process.execPath, [healthcheck], { env })).resolves.toBeDefined();
      // The key came from the file: none was generated in the data directory.
      expect(existsSync(path.join(world.dataDir, "master.key"))).toBe(false);
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
