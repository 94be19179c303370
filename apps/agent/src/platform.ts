import os from "node:os";
import path from "node:path";
import { AGENT_PROTOCOL_VERSION, type TAgentOs } from "@restic-manager/contracts";

declare const AGENT_VERSION: string | undefined;
declare const AGENT_PROTOCOL_OVERRIDE: number | undefined;

/** Set at bundle time; "dev" when run from source. */
export const agentVersion: string = typeof AGENT_VERSION === "string" ? AGENT_VERSION : "dev";

/** The protocol the hello names: the contracts' own, unless a test bundle was built with another. */
export const agentProtocol: number =
  typeof AGENT_PROTOCOL_OVERRIDE === "number" ? AGENT_PROTOCOL_OVERRIDE : AGENT_PROTOCOL_VERSION;

export function agentOs(platform: NodeJS.Platform = process.platform): TAgentOs {
  switch (platform) {
    case "linux":
      return "linux";
    case "win32":
      return "windows";
    case "darwin":
      return "darwin";
    case "freebsd":
      return "freebsd";
    default:
      return "other";
  }
}

export interface PlatformEnv {
  platform: NodeJS.Platform;
  env: Record<string, string | undefined>;
  isRoot: boolean;
  homedir: string;
}

export function currentPlatform(): PlatformEnv {
  return {
    platform: process.platform,
    env: process.env,
    isRoot: typeof process.getuid === "function" && process.getuid() === 0,
    homedir: os.homedir(),
  };
}

/**
 * Where the agent keeps its config file and its state (spool, status), per OS:
 * Windows: %ProgramData%\restic-manager-agent; Linux as root: /etc/… and /var/lib/…;
 * otherwise under the user's home.
 */
export function defaultPaths(p: PlatformEnv): { configFile: string; stateDir: string } {
  if (p.platform === "win32") {
    const base = path.win32.join(p.env.ProgramData ?? "C:\\ProgramData", "restic-manager-agent");
    return {
      configFile: path.win32.join(base, "agent.json"),
      stateDir: path.win32.join(base, "state"),
    };
  }
  if (p.isRoot) {
    return {
      configFile: "/etc/restic-manager-agent/agent.json",
      stateDir: "/var/lib/restic-manager-agent",
    };
  }
  const configHome = p.env.XDG_CONFIG_HOME ?? path.posix.join(p.homedir, ".config");
  const stateHome = p.env.XDG_STATE_HOME ?? path.posix.join(p.homedir, ".local", "state");
  return {
    configFile: path.posix.join(configHome, "restic-manager-agent", "agent.json"),
    stateDir: path.posix.join(stateHome, "restic-manager-agent"),
  };
}

/** The WebSocket URL of a server given its public http(s) URL. */
export function agentSocketUrl(serverUrl: string): string {
  const url = new URL(serverUrl);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  url.pathname = `${url.pathname.replace(/\/+$/, "")}/agent/ws`;
  url.search = "";
  return url.toString();
}
