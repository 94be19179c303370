import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

/** The agent's config file: written by `enroll`, read by `run`. Holds its credential: 0600. */
export const ZAgentConfig = z.object({
  serverUrl: z.url({ protocol: /^https?$/ }),
  hostId: z.string().min(1),
  hostName: z.string().min(1),
  credential: z.string().regex(/^rma_/),
  stateDir: z.string().min(1),
  /** Path to restic; when absent, restic is looked up on PATH. */
  resticPath: z.string().min(1).optional(),
  /** restic's cache directory; when absent, restic's default. */
  resticCacheDir: z.string().min(1).optional(),
  /** Disk for listings of snapshots opened in the browser (bytes); 1 GiB when absent. */
  browseCacheMaxBytes: z.number().int().positive().optional(),
});
export type AgentConfig = z.infer<typeof ZAgentConfig>;

export class AgentConfigError extends Error {
  override name = "AgentConfigError";
}

export function readAgentConfig(file: string): AgentConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new AgentConfigError(`No agent config at ${file}: run \`enroll\` first`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new AgentConfigError(`The agent config ${file} is not valid JSON`);
  }
  const parsed = ZAgentConfig.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AgentConfigError(
      `The agent config ${file} is invalid: ${String(issue?.path.join(".") || "file")} ${issue?.message ?? ""}`.trim(),
    );
  }
  return parsed.data;
}

/** Written to a temporary file (0600 from creation) and renamed, so a crash never leaves half a file. */
export function writeAgentConfig(file: string, config: AgentConfig): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, file);
}
