import { spawnAgent } from "@restic-manager/test-support";
import type { AgentProcess } from "./agents.js";

export type StateDirFault = "read-only" | "full";

/**
 * Shell steps run in a mount namespace of the agent's own before it starts ($1: the state
 * directory): the directory becomes a read-only bind mount, or a small tmpfs holding a copy
 * of what was there, filled to the last block. Real EROFS and ENOSPC from the kernel, for the
 * agent alone; nothing outside the namespace changes. `unshare --map-root-user` lets an
 * unprivileged user do this as well as root.
 */
const SETUP: Record<StateDirFault, string> = {
  "read-only": 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1"',
  full: [
    'copy=$(mktemp -d) && cp -a "$1/." "$copy"',
    'mount -t tmpfs -o size=512k tmpfs "$1" && cp -a "$copy/." "$1" && rm -rf "$copy"',
    'dd if=/dev/zero of="$1/filler" bs=4k 2>/dev/null; [ -s "$1/filler" ]',
  ].join(" && "),
};

/** Starts the agent of `configFile` with its state directory read-only or full. */
export function startAgentWithFaultyStateDir(
  configFile: string,
  stateDir: string,
  fault: StateDirFault,
): AgentProcess {
  const launcher = [
    "unshare",
    "--user",
    "--map-root-user",
    "--mount",
    "sh",
    "-c",
    `${SETUP[fault]} && shift && exec "$@"`,
    "sh",
    stateDir,
  ];
  return { configFile, ...spawnAgent(["run", "--config", configFile], launcher) };
}
