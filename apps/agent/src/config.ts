import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

const ZServerUrl = z.url({ protocol: /^https?$/ });

/** The agent's config file: written by `enroll`, read by `run`. Holds its credential: 0600. */
export const ZAgentConfig = z
  .object({
    /** The server (`enroll` writes the one it enrolled with). */
    serverUrl: ZServerUrl.optional(),
    /**
     * Servers of the same installation (replicas on one database), tried in turn after
     * `serverUrl` when one does not answer. Either setting alone is enough.
     */
    serverUrls: z.array(ZServerUrl).optional(),
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
  })
  .refine((config) => serverUrlsOf(config).length > 0, {
    message: "names no server: set serverUrl (or serverUrls)",
    path: ["serverUrl"],
  });
export type AgentConfig = z.infer<typeof ZAgentConfig>;

/**
 * Every server the agent may connect to, in the order it tries them: `serverUrl` first, then
 * `serverUrls`, each once, without trailing slashes (paths are appended to them).
 */
export function serverUrlsOf(config: { serverUrl?: string; serverUrls?: string[] }): string[] {
  const listed = [config.serverUrl, ...(config.serverUrls ?? [])];
  const urls = listed.flatMap((url) => (url ? [url.replace(/\/+$/, "")] : []));
  return [...new Set(urls)];
}

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
