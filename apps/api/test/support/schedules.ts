import { execFile } from "node:child_process";
import { tmpdir } from "node:os";
import { promisify } from "node:util";
import { TERMINAL_JOB_STATES } from "@restic-manager/contracts";
import { TOOLS_BIN, toolOrPath, waitFor } from "@restic-manager/test-support";
import type { Client, World } from "./world.js";

/** A repository as restic outside restic-manager reaches it: an admin's shell, or a checker. */
export interface ResticTarget {
  repository: string;
  password: string;
}

/** restic itself, run directly; fails with its stderr when it exits non-zero. */
export async function resticCli(
  target: ResticTarget,
  args: string[],
  stdin?: string,
): Promise<string> {
  const run = promisify(execFile)(toolOrPath("restic"), ["--no-cache", ...args], {
    env: {
      PATH: `${TOOLS_BIN}:${process.env.PATH ?? ""}`,
      HOME: tmpdir(),
      RESTIC_REPOSITORY: target.repository,
      RESTIC_PASSWORD: target.password,
    },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (stdin !== undefined) run.child.stdin?.end(stdin);
  try {
    return (await run).stdout;
  } catch (error) {
    const failed = error as { code: number; stderr: string };
    throw new Error(`restic ${args[0]} exited ${failed.code}: ${failed.stderr}`);
  }
}

export interface SnapshotSpec {
  /** restic's `--time` format, in UTC: `2026-10-01 09:00:00`. */
  time: string;
  /** The name the snapshot's one file is stored under: its path in the snapshot. */
  filename: string;
  tags: string[];
}

/**
 * Makes one snapshot per spec with `restic backup --stdin --time`, a few at a time: each
 * restic run spends most of its half second deriving the key, so they overlap well.
 */
export async function makeSnapshots(target: ResticTarget, specs: SnapshotSpec[], parallel = 4) {
  const queue = [...specs];
  const worker = async () => {
    for (let spec = queue.shift(); spec; spec = queue.shift()) {
      await resticCli(
        target,
        [
          "backup",
          "--quiet",
          "--stdin",
          `--stdin-filename=${spec.filename}`,
          `--time=${spec.time}`,
          ...spec.tags.map((tag) => `--tag=${tag}`),
        ],
        `contents as of ${spec.time}\n`,
      );
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

export interface ResticSnapshot {
  id: string;
  time: string;
  tags?: string[];
  paths: string[];
}

export async function listSnapshots(target: ResticTarget): Promise<ResticSnapshot[]> {
  return JSON.parse(await resticCli(target, ["snapshots", "--json"])) as ResticSnapshot[];
}

/** The ids of the snapshots carrying every one of `tags`, sorted. */
export function idsTagged(snapshots: ResticSnapshot[], tags: string[]): string[] {
  return snapshots
    .filter((snapshot) => tags.every((tag) => snapshot.tags?.includes(tag)))
    .map((snapshot) => snapshot.id)
    .sort();
}

/**
 * What restic's own `forget --dry-run --json` keeps and removes for `keepFlags`, over the
 * snapshots carrying all of `tags`, grouped as one: ids sorted.
 */
export async function resticRetentionVerdict(
  target: ResticTarget,
  tags: string[],
  keepFlags: string[],
): Promise<{ keep: string[]; remove: string[] }> {
  const output = await resticCli(target, [
    "forget",
    "--dry-run",
    "--json",
    "--no-lock",
    `--tag=${tags.join(",")}`,
    "--group-by=",
    ...keepFlags,
  ]);
  const groups = JSON.parse(output) as Array<{
    keep: Array<{ id: string }> | null;
    remove: Array<{ id: string }> | null;
  }>;
  if (groups.length !== 1) throw new Error(`expected one group, restic made ${groups.length}`);
  const [group] = groups;
  return {
    keep: (group?.keep ?? []).map((s) => s.id).sort(),
    remove: (group?.remove ?? []).map((s) => s.id).sort(),
  };
}

/** A job row as the agents' schedule reports left it. */
export interface ScheduledJob {
  id: string;
  state: string;
  params: string;
  scheduledFor: Date | null;
}

/**
 * Waits until `count` runs of a schedule have ended (in whatever state), and returns the runs
 * recorded so far in slot order.
 */
export function waitForScheduledRuns(
  world: World,
  scheduleId: string,
  count: number,
  timeoutMs = 60_000,
): Promise<ScheduledJob[]> {
  return waitFor(
    async () => {
      const runs = await world.server.deps.db.job.findMany({
        where: { scheduleId },
        orderBy: { scheduledFor: "asc" },
        select: { id: true, state: true, params: true, scheduledFor: true },
      });
      const ended = runs.filter((run) => (TERMINAL_JOB_STATES as string[]).includes(run.state));
      return ended.length >= count ? runs : undefined;
    },
    { timeoutMs, intervalMs: 200, what: `${count} runs of schedule ${scheduleId} to end` },
  );
}

/** Waits for the host's agent to be online, and returns the host. */
export function onlineHost(admin: Client, hostId: string) {
  return waitFor(
    async () => (await admin.hosts.list.query()).items.find((h) => h.id === hostId && h.online),
    { timeoutMs: 30_000, what: `host ${hostId} to come online` },
  );
}
