/**
 * A Dockerfile read into its stages and instructions, as BuildKit reads it: `\` continues a
 * line, comment lines (also inside a continued instruction) are dropped, keywords are
 * case-insensitive. Enough to check the project's own Dockerfiles, not a full parser.
 */
export interface Instruction {
  line: number;
  keyword: string;
  args: string;
}

export interface Stage {
  image: string;
  name: string | undefined;
  instructions: Instruction[];
}

export function parseDockerfile(source: string): Stage[] {
  const stages: Stage[] = [];
  for (const instruction of instructionsOf(source)) {
    if (instruction.keyword === "FROM") {
      const [image = "", as, name] = instruction.args.split(/\s+/);
      stages.push({
        image,
        name: as?.toUpperCase() === "AS" ? name : undefined,
        instructions: [],
      });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`line ${instruction.line}: ${instruction.keyword} before FROM`);
    stage.instructions.push(instruction);
  }
  return stages;
}

function instructionsOf(source: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending: { line: number; text: string } | undefined;
  source.split("\n").forEach((raw, index) => {
    const text = raw.trim();
    if (text.startsWith("#") || (text === "" && !pending)) return;
    const continued = text.endsWith("\\");
    const part = continued ? text.slice(0, -1).trim() : text;
    pending = pending
      ? { ...pending, text: `${pending.text} ${part}` }
      : { line: index + 1, text: part };
    if (continued) return;
    const [keyword = "", ...rest] = pending.text.split(/\s+/);
    instructions.push({ line: pending.line, keyword: keyword.toUpperCase(), args: rest.join(" ") });
    pending = undefined;
  });
  if (pending) throw new Error(`line ${pending.line}: the file ends inside a continued line`);
  return instructions;
}

/** The exec form's arguments (`["node", "x"]`), or undefined for the shell form. */
export function execForm(args: string): string[] | undefined {
  const text = args.trim();
  if (!text.startsWith("[")) return undefined;
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === "string")) {
    throw new Error(`not an exec form: ${args}`);
  }
  return parsed;
}

/** COPY's flags (`--from=build`) and its sources and destination. */
export function copyParts(args: string): {
  flags: Record<string, string>;
  sources: string[];
  destination: string;
} {
  const words = args.split(/\s+/);
  const flags: Record<string, string> = {};
  while (words[0]?.startsWith("--")) {
    const [name = "", value = ""] = (words.shift() ?? "").slice(2).split("=");
    flags[name] = value;
  }
  const destination = words.pop();
  if (!destination || words.length === 0)
    throw new Error(`COPY needs a source and a destination: ${args}`);
  return { flags, sources: words, destination };
}

/** ENV's variables, in the `KEY=value KEY2=value2` form. */
export function envVariables(args: string): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const pair of args.split(/\s+/)) {
    const at = pair.indexOf("=");
    if (at <= 0) throw new Error(`ENV takes KEY=value pairs here: ${args}`);
    variables[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return variables;
}

/**
 * A .dockerignore's verdict on a path in the build context: the last matching pattern wins,
 * `!` lets a path through, and a pattern that matches a folder ignores what is below it.
 */
export function dockerignoreMatcher(text: string): (file: string) => boolean {
  const patterns = text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => ({ allow: line.startsWith("!"), regex: globToRegex(line.replace(/^!/, "")) }));
  return (file) => {
    let ignored = false;
    const parts = file.split("/");
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
