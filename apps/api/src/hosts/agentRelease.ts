import { createHash } from "node:crypto";
import { closeSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import path from "node:path";
import { SUPPORTED_AGENT_PROTOCOLS } from "@restic-manager/contracts";

/** The agent bundle this server serves at /agent/agent.mjs, as an update offers it. */
export interface AgentRelease {
  version: string;
  protocol: number;
  sha256: string;
  size: number;
}

/** Line 2 of a bundle, written by apps/agent/build.mjs. */
const BANNER = /^\/\/ restic-manager-agent (\S+) protocol (\d+)$/m;

/**
 * Reads the served bundle's banner and sha256 once per change of the file (its mtime and size),
 * so a host page or list costs one stat. Null when there is no bundle or it has no banner.
 */
export class AgentReleases {
  private cached: { key: string; release: AgentRelease | null } | undefined;

  constructor(private readonly agentDir: string | undefined) {}

  current(): AgentRelease | null {
    if (!this.agentDir) return null;
    const file = path.join(this.agentDir, "agent.mjs");
    let key: string;
    try {
      const stat = statSync(file);
      key = `${stat.mtimeMs}:${stat.size}`;
    } catch {
      return null;
    }
    if (this.cached?.key !== key) this.cached = { key, release: readRelease(file) };
    return this.cached.release;
  }
}

function readRelease(file: string): AgentRelease | null {
  const head = Buffer.alloc(512);
  const fd = openSync(file, "r");
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  const banner = BANNER.exec(head.toString("utf8"));
  if (!banner?.[1] || !banner[2]) return null;
  const bytes = readFileSync(file);
  return {
    version: banner[1],
    protocol: Number(banner[2]),
    sha256: createHash("sha256").update(bytes).digest("hex"),
    size: bytes.length,
  };
}

/** The version to offer a host, when its agent runs another one and could run the offered one. */
export function updateFor(
  host: { agentVersion: string | null; protocolVersion: number | null },
  release: AgentRelease | null,
): string | null {
  if (!release || !host.agentVersion || host.protocolVersion === null) return null;
  const { min, max } = SUPPORTED_AGENT_PROTOCOLS;
  if (host.protocolVersion < min || host.protocolVersion > max) return null;
  if (release.protocol < min || release.protocol > max) return null;
  return host.agentVersion === release.version ? null : release.version;
}

const releases = new Map<string, AgentReleases>();

/** The one reader of a folder's bundle in this process. */
export function agentReleases(agentDir: string | undefined): AgentReleases {
  const key = agentDir ?? "";
  let found = releases.get(key);
  if (!found) {
    found = new AgentReleases(agentDir);
    releases.set(key, found);
  }
  return found;
}

/** The served bundle and the public URL, as the host answers need them. */
export function agentOffer(config: { agentDir: string | undefined; publicUrl: string }) {
  return { release: agentReleases(config.agentDir).current(), publicUrl: config.publicUrl };
}
