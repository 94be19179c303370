import { readFileSync } from "node:fs";
import path from "node:path";
import { interpolate, parseYamlSubset, type YamlMap, type YamlValue } from "./composeYaml.js";
import { copyParts, execForm, parseDockerfile, type Stage } from "./dockerfile.js";

/** docker/compose.yaml and docker/*.Dockerfile, read once, with the questions the tests ask. */
export const root = path.resolve(import.meta.dirname, "../../../..");
export const dockerDir = path.join(root, "docker");
export const read = (relative: string) => readFileSync(path.join(root, relative), "utf8");

export const compose = parseYamlSubset(read("docker/compose.yaml"));
export const DOCKERFILES = ["server", "agent", "rest-server"] as const;
export const dockerfiles = Object.fromEntries(
  DOCKERFILES.map((name) => [name, parseDockerfile(read(`docker/${name}.Dockerfile`))]),
) as Record<(typeof DOCKERFILES)[number], Stage[]>;

export function map(value: YamlValue | undefined, what: string): YamlMap {
  if (value === undefined || typeof value === "string" || Array.isArray(value)) {
    throw new Error(`${what} is not a mapping`);
  }
  return value;
}

export function list(value: YamlValue | undefined, what: string): YamlValue[] {
  if (!Array.isArray(value)) throw new Error(`${what} is not a list`);
  return value;
}

export function strings(value: YamlValue | undefined, what: string): string[] {
  return list(value, what).map((item) => {
    if (typeof item !== "string") throw new Error(`${what} holds a non-scalar`);
    return item;
  });
}

export const services = map(compose.services, "services");
export const service = (name: string) => map(services[name], `service ${name}`);

/** A service's environment with Compose's ${…} resolved as on a host that sets none of them. */
export function environmentOf(
  name: string,
  env: Record<string, string> = {},
): Record<string, string> {
  const entries = Object.entries(map(service(name).environment, `${name}.environment`));
  return Object.fromEntries(
    entries.map(([key, value]) => {
      if (typeof value !== "string") throw new Error(`${name}.environment.${key} is not a scalar`);
      return [key, interpolate(value, env)];
    }),
  );
}

/** "source:target[:mode]" volume entries of a service. */
export function mountsOf(
  name: string,
): { source: string; target: string; mode: string | undefined }[] {
  return strings(service(name).volumes ?? [], `${name}.volumes`).map((entry) => {
    const [source = "", target = "", mode] = entry.split(":");
    return { source, target, mode };
  });
}

export function dockerfileOf(name: string): Stage[] {
  const build = map(service(name).build, `${name}.build`);
  const file = String(build.dockerfile);
  const match = /^docker\/(.+)\.Dockerfile$/.exec(file);
  const stages = match?.[1] ? dockerfiles[match[1] as keyof typeof dockerfiles] : undefined;
  if (!stages) throw new Error(`${name} is built from ${file}, not one of docker/*.Dockerfile`);
  return stages;
}

export function finalStage(stages: Stage[]): Stage {
  const stage = stages.at(-1);
  if (!stage) throw new Error("a Dockerfile without FROM");
  return stage;
}

export function instructions(stage: Stage, keyword: string) {
  return stage.instructions.filter((instruction) => instruction.keyword === keyword);
}

/** Where the final stage COPYs each file from the build context, by its path in the image. */
export function installedFromContext(stages: Stage[]): Map<string, string> {
  const installed = new Map<string, string>();
  for (const copy of instructions(finalStage(stages), "COPY")) {
    const { flags, sources, destination } = copyParts(copy.args);
    if (flags.from === undefined && sources.length === 1 && sources[0]) {
      installed.set(destination, sources[0]);
    }
  }
  return installed;
}

export function restServerArgs(name: string): string[] {
  const entrypoint = execForm(
    instructions(finalStage(dockerfileOf(name)), "ENTRYPOINT")[0]?.args ?? "",
  );
  const command = service(name).command;
  return [...(entrypoint ?? []), ...strings(command, `${name}.command`)];
}

export function flagValue(args: string[], flag: string): string | undefined {
  const at = args.indexOf(flag);
  return at >= 0 ? args[at + 1] : undefined;
}
