import { accessSync, constants, existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig, SETTING_NAMES } from "../src/config.js";
import { parseYamlSubset, YamlSubsetError } from "./support/composeYaml.js";
import {
  compose,
  DOCKERFILES,
  dockerDir,
  dockerfileOf,
  dockerfiles,
  environmentOf,
  finalStage,
  flagValue,
  installedFromContext,
  instructions,
  map,
  mountsOf,
  read,
  restServerArgs,
  root,
  service,
  services,
  strings,
} from "./support/dockerDeployment.js";
import {
  copyParts,
  dockerignoreMatcher,
  envVariables,
  execForm,
  type Stage,
} from "./support/dockerfile.js";

/**
 * docker/: no container engine runs where the tests run, so the images are not built here.
 * These checks read the Compose file and the Dockerfiles and hold them to what the deployment
 * needs and to hadolint's main rules; dockerScripts.test.ts runs the scripts the images start.
 */
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

describe("the reader of compose.yaml's YAML", () => {
  it("reads nesting, lists of mappings, flow lists, quotes and comments as YAML does", () => {
    const text = [
      "# comment",
      "a:",
      "  b: plain # trailing comment",
      '  c: "quoted: #1"',
      "  d: 'it''s'",
      '  e: ["x", y]',
      "  f: {}",
      "list:",
      "- one",
      "- key: value",
      '  other: "8080:8080"',
    ].join("\n");
    expect(parseYamlSubset(text)).toEqual({
      a: { b: "plain", c: "quoted: #1", d: "it's", e: ["x", "y"], f: {} },
      list: ["one", { key: "value", other: "8080:8080" }],
    });
  });

  it("refuses YAML outside its subset instead of misreading it", () => {
    for (const text of [
      "a: &anchor x",
      "a: *alias",
      "a: |\n  block",
      "a: {b: c}",
      "a:\n\tb: c",
      "a:",
      "a: x\na: y",
      "a: b: c",
      "---\na: x",
    ]) {
      expect(() => parseYamlSubset(text), text).toThrow(YamlSubsetError);
    }
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
      const ignore = dockerignoreMatcher(read(`docker/${name}.Dockerfile.dockerignore`));
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
    const ignore = dockerignoreMatcher(read("docker/server.Dockerfile.dockerignore"));
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
    // The server's entry point migrates SQLite through the Prisma CLI the script links, then
    // serves; on PostgreSQL the server migrates itself, from the migrations the script copies.
    const entrypoint = read("docker/server-entrypoint.sh");
    expect(text).toContain('"$out/node_modules/prisma"');
    expect(text).toContain('cp -R prisma/postgresql/migrations "$out/prisma/postgresql/"');
    expect(entrypoint).toMatch(
      /if \[ -z "\$\{RM_DATABASE_URL:-\}" \]; then\n\s*node node_modules\/prisma\/build\/index\.js migrate deploy\n\s*fi\n\s*exec node apps\/api\/dist\/main\.js serve/,
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
