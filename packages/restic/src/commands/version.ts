import type { TVersionResult } from "@restic-manager/contracts";
import { z } from "zod";
import { type ResticOptions, type RunOptions, resolveOptions } from "../context.js";
import { ResticVersionError } from "../errors.js";
import { execRestic } from "../exec.js";
import { ensureExit } from "../exit-codes.js";
import { outputError } from "../output.js";

/**
 * The oldest restic this wrapper supports. 0.16.0 is the first release whose `restore --json`
 * reports progress and a summary (restic #426); it also brought `--retry-lock` (#719) and
 * `unlimited` for `forget --keep-*` (#2565), which the job params expose. What 0.16 lacks is
 * handled here: it exits 1 where newer versions exit 10/11 (0.17.0) or 12 (0.17.1), so those
 * messages are recognised too; `version` and `init` print text, which is parsed; `check` has
 * no JSON, so its "no errors were found" is accepted. Restore's `--overwrite`, `--delete` and
 * `--dry-run` need 0.17 and fail with restic's own error on 0.16.
 */
export const MIN_RESTIC_VERSION = "0.16.0";

const ZVersionJson = z.object({
  message_type: z.literal("version"),
  version: z.string().min(1),
  go_version: z.string().optional(),
  go_os: z.string().optional(),
  go_arch: z.string().optional(),
});

const VERSION_TEXT = /^restic (\d+\.\d+\.\d+\S*)(?: compiled with (\S+) on ([^/\s]+)\/(\S+))?/m;

/** Parses `restic version --json` (0.17+) or the text form older versions print. */
export function parseVersionOutput(text: string): TVersionResult | null {
  const trimmed = text.trim();
  if (trimmed.startsWith("{")) {
    try {
      const parsed = ZVersionJson.safeParse(JSON.parse(trimmed));
      if (parsed.success) {
        return {
          kind: "version",
          version: parsed.data.version,
          goVersion: parsed.data.go_version ?? null,
          os: parsed.data.go_os ?? null,
          arch: parsed.data.go_arch ?? null,
        };
      }
    } catch {
      // not JSON after all: try the text form
    }
  }
  const match = VERSION_TEXT.exec(trimmed);
  if (!match?.[1]) return null;
  return {
    kind: "version",
    version: match[1],
    goVersion: match[2] ?? null,
    os: match[3] ?? null,
    arch: match[4] ?? null,
  };
}

export async function version(options: ResticOptions = {}, run: RunOptions = {}) {
  const resolved = resolveOptions({ ...options, repository: undefined });
  const request = (args: string[]) =>
    execRestic(resolved, {
      command: "version",
      args,
      stdout: { kind: "buffer" },
      signal: run.signal,
    });
  let outcome = await request(["version", "--json"]);
  if (outcome.exitCode !== 0) outcome = await request(["version"]);
  ensureExit(outcome, "version");
  const text = outcome.stdout.toString("utf8");
  const parsed = parseVersionOutput(text);
  if (parsed === null) {
    throw outputError(
      { command: "version", redact: outcome.redact },
      `no version: ${text.trim().slice(0, 200)}`,
    );
  }
  return parsed;
}

function numericParts(version: string): [number, number, number] {
  const match = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  return [Number(match?.[1] ?? 0), Number(match?.[2] ?? 0), Number(match?.[3] ?? 0)];
}

/** Compares the numeric part of two versions (`0.18.0-dev` counts as 0.18.0). */
export function compareVersions(a: string, b: string): number {
  const left = numericParts(a);
  const right = numericParts(b);
  for (let i = 0; i < 3; i += 1) {
    const difference = (left[i] ?? 0) - (right[i] ?? 0);
    if (difference !== 0) return Math.sign(difference);
  }
  return 0;
}

export function assertSupportedVersion(found: string, required: string = MIN_RESTIC_VERSION) {
  if (compareVersions(found, required) < 0) {
    throw new ResticVersionError({
      command: "version",
      exitCode: 0,
      stderrTail: "",
      found,
      required,
    });
  }
}

/** Detects restic's version and refuses one older than `MIN_RESTIC_VERSION`. */
export async function ensureSupportedVersion(options: ResticOptions = {}, run: RunOptions = {}) {
  const detected = await version(options, run);
  assertSupportedVersion(detected.version);
  return detected;
}
