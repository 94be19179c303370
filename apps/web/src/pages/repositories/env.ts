import type { Validation } from "../../lib/forms";

/** `KEY=value` lines into a record; the value may itself contain `=`. */
export function parseEnvLines(text: string): Validation<Record<string, string>> {
  const env: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const equals = line.indexOf("=");
    if (equals <= 0) {
      return { ok: false, errors: { env: `Line ${index + 1}: write it as KEY=value` } };
    }
    env[line.slice(0, equals).trim()] = line.slice(equals + 1);
  }
  return { ok: true, data: env };
}
