/**
 * Reads the YAML that docker/compose.yaml is written in, and nothing more: block mappings and
 * sequences by indentation, one-line flow sequences of scalars (`["CMD", "node"]`), the empty
 * mapping `{}`, plain, single- and double-quoted scalars, and comments. Every scalar is kept as
 * a string. Anything else (anchors, aliases, tags, block scalars, flow mappings with content,
 * tabs, several documents) is an error, so the file cannot drift into YAML this reader would
 * misread. No YAML parser is among the workspace's dependencies, and Compose files need little.
 */
export type YamlValue = string | YamlValue[] | { [key: string]: YamlValue };
export type YamlMap = { [key: string]: YamlValue };

interface Line {
  number: number;
  indent: number;
  text: string;
}

export class YamlSubsetError extends Error {
  constructor(line: number, problem: string) {
    super(`line ${line}: ${problem}`);
    this.name = "YamlSubsetError";
  }
}

export function parseYamlSubset(source: string): YamlMap {
  const lines = toLines(source);
  const reader = { lines, at: 0 };
  const first = lines[0];
  if (!first) return {};
  if (first.indent !== 0)
    throw new YamlSubsetError(first.number, "the document must start at column 0");
  const value = readBlock(reader, 0);
  const rest = lines[reader.at];
  if (rest) throw new YamlSubsetError(rest.number, "unexpected indentation");
  if (typeof value === "string" || Array.isArray(value)) {
    throw new YamlSubsetError(first.number, "the document must be a mapping");
  }
  return value;
}

function toLines(source: string): Line[] {
  const lines: Line[] = [];
  source.split("\n").forEach((raw, index) => {
    const number = index + 1;
    if (raw.includes("\t")) throw new YamlSubsetError(number, "tabs are not allowed");
    const text = stripComment(raw, number).trimEnd();
    if (text.trim() === "") return;
    if (text === "---" || text === "...") throw new YamlSubsetError(number, "one document only");
    const indent = text.length - text.trimStart().length;
    lines.push({ number, indent, text: text.trimStart() });
  });
  return lines;
}

/** A `#` starts a comment at the start of a line or after a space, outside quotes. */
function stripComment(raw: string, number: number): string {
  let quote: string | undefined;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (quote) {
      if (c === "\\" && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === "#" && (i === 0 || raw[i - 1] === " ")) {
      return raw.slice(0, i);
    }
  }
  if (quote) throw new YamlSubsetError(number, "unterminated quoted scalar");
  return raw;
}

interface Reader {
  lines: Line[];
  at: number;
}

function readBlock(reader: Reader, indent: number): YamlValue {
  const line = reader.lines[reader.at];
  if (!line) throw new YamlSubsetError(0, "unexpected end of the document");
  return isSequenceItem(line.text) ? readSequence(reader, indent) : readMapping(reader, indent);
}

function isSequenceItem(text: string): boolean {
  return text === "-" || text.startsWith("- ");
}

const KEY = /^([A-Za-z0-9_][A-Za-z0-9_.-]*|"[^"\\]*"|'[^']*'):(?: +(.*))?$/;

function readMapping(reader: Reader, indent: number): YamlMap {
  const map: YamlMap = {};
  for (;;) {
    const line = reader.lines[reader.at];
    if (!line || line.indent < indent) return map;
    if (line.indent > indent) throw new YamlSubsetError(line.number, "unexpected indentation");
    if (isSequenceItem(line.text)) return map;
    const match = KEY.exec(line.text);
    if (!match?.[1])
      throw new YamlSubsetError(line.number, `not a "key: value" line: ${line.text}`);
    const key = unquote(match[1]);
    if (Object.hasOwn(map, key)) throw new YamlSubsetError(line.number, `duplicate key "${key}"`);
    reader.at++;
    const inline = match[2];
    if (inline !== undefined && inline !== "") {
      map[key] = readInline(inline, line.number);
      continue;
    }
    const next = reader.lines[reader.at];
    // A sequence may sit at its key's own indentation; anything else nests deeper.
    if (next && (next.indent > indent || (next.indent === indent && isSequenceItem(next.text)))) {
      map[key] = readBlock(reader, next.indent);
    } else {
      throw new YamlSubsetError(line.number, `"${key}" has no value (null is not allowed)`);
    }
  }
}

function readSequence(reader: Reader, indent: number): YamlValue[] {
  const items: YamlValue[] = [];
  for (;;) {
    const line = reader.lines[reader.at];
    if (!line || line.indent < indent) return items;
    if (line.indent > indent) throw new YamlSubsetError(line.number, "unexpected indentation");
    if (!isSequenceItem(line.text)) return items;
    const rest = line.text.slice(1).trimStart();
    if (rest === "") {
      reader.at++;
      const next = reader.lines[reader.at];
      if (!next || next.indent <= indent) throw new YamlSubsetError(line.number, "empty item");
      items.push(readBlock(reader, next.indent));
    } else if (KEY.test(rest)) {
      // "- key: value" opens a mapping whose keys line up after the dash.
      const itemIndent = indent + (line.text.length - rest.length);
      reader.lines[reader.at] = { number: line.number, indent: itemIndent, text: rest };
      items.push(readMapping(reader, itemIndent));
    } else {
      reader.at++;
      items.push(readInline(rest, line.number));
    }
  }
}

function readInline(text: string, number: number): YamlValue {
  if (text === "{}") return {};
  if (text.startsWith("[")) {
    if (!text.endsWith("]"))
      throw new YamlSubsetError(number, "a flow sequence must end on its line");
    const body = text.slice(1, -1).trim();
    return body === "" ? [] : splitFlowItems(body, number).map((item) => readScalar(item, number));
  }
  return readScalar(text, number);
}

function splitFlowItems(body: string, number: number): string[] {
  const items: string[] = [];
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (quote) {
      if (c === "\\" && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "[" || c === "{") throw new YamlSubsetError(number, "nested flow collections");
    else if (c === ",") {
      items.push(body.slice(start, i).trim());
      start = i + 1;
    }
  }
  items.push(body.slice(start).trim());
  return items;
}

function readScalar(text: string, number: number): string {
  if (text.startsWith('"') || text.startsWith("'")) {
    if (text.length < 2 || !text.endsWith(text[0] ?? "")) {
      throw new YamlSubsetError(number, `text after a quoted scalar: ${text}`);
    }
    return unquote(text);
  }
  if (/^[&*!|>{}[\]%@`,?]/.test(text) || text.startsWith("- ")) {
    throw new YamlSubsetError(number, `outside the subset this reader takes: ${text}`);
  }
  if (text.includes(": ") || text.endsWith(":")) {
    throw new YamlSubsetError(number, `a plain scalar with ": " is ambiguous: ${text}`);
  }
  return text;
}

function unquote(text: string): string {
  if (text.startsWith("'")) return text.slice(1, -1).replaceAll("''", "'");
  if (text.startsWith('"')) {
    if (/\\[^"\\nt]/.test(text)) throw new Error(`unsupported escape in ${text}`);
    return JSON.parse(text) as string;
  }
  return text;
}

/** Compose's `${NAME}`, `${NAME:-default}` and `${NAME-default}`, resolved from `env`. */
export function interpolate(value: string, env: Readonly<Record<string, string>>): string {
  return value.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}/g,
    (_match, name: string, operator: string | undefined, fallback: string | undefined) => {
      const set = env[name];
      if (operator === ":-") return set === undefined || set === "" ? (fallback ?? "") : set;
      if (operator === "-") return set === undefined ? (fallback ?? "") : set;
      return set ?? "";
    },
  );
}
