import { readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

export const ZAgentStatus = z.object({
  pid: z.number(),
  /** The server the agent is connected (or connecting) to. */
  serverUrl: z.string(),
  /** Every server it may connect to, when the config names several. */
  serverUrls: z.array(z.string()).default([]),
  hostName: z.string(),
  connection: z.enum(["connecting", "connected", "disconnected", "refused"]),
  since: z.coerce.date(),
  lastError: z.string().nullable(),
  restic: z.object({ version: z.string().nullable(), problem: z.string().nullable() }),
  running: z.array(z.object({ jobId: z.string(), kind: z.string(), startedAt: z.coerce.date() })),
  queued: z.array(z.object({ jobId: z.string(), kind: z.string() })),
  unreportedResults: z.number(),
  /** Set once the agent's log output failed (its reader went away): lines since are dropped. */
  logError: z.string().nullable().default(null),
  schedules: z
    .array(
      z.object({
        id: z.string(),
        kind: z.string(),
        paused: z.boolean(),
        nextRunAt: z.coerce.date().nullable(),
      }),
    )
    .default([]),
  /** Set when the schedule file was damaged at start (see ScheduleStore). */
  schedulesProblem: z.string().nullable().default(null),
  updatedAt: z.coerce.date(),
});
export type AgentStatus = z.infer<typeof ZAgentStatus>;

export function statusFile(stateDir: string): string {
  return path.join(stateDir, "status.json");
}

export function writeStatus(stateDir: string, status: AgentStatus): void {
  const file = statusFile(stateDir);
  writeFileSync(`${file}.tmp`, JSON.stringify(status, null, 2), { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

export function readStatus(stateDir: string): AgentStatus | undefined {
  try {
    return ZAgentStatus.parse(JSON.parse(readFileSync(statusFile(stateDir), "utf8")));
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** What `agent status` prints. */
export function formatStatus(status: AgentStatus | undefined, now = new Date()): string {
  if (!status) return "The agent has not run yet (no status file).";
  if (!isAlive(status.pid)) {
    return `The agent is not running (last seen ${status.updatedAt.toISOString()}).`;
  }
  const lines = [
    `Server:      ${status.serverUrl} (this host: ${status.hostName})`,
    ...(status.serverUrls.length > 1 ? [`Servers:     ${status.serverUrls.join(", ")}`] : []),
    `Connection:  ${status.connection} since ${status.since.toISOString()}`,
  ];
  if (status.lastError) lines.push(`Last error:  ${status.lastError}`);
  if (status.logError) lines.push(`Log:         output failed (${status.logError}); lines dropped`);
  lines.push(
    `restic:      ${status.restic.version ?? "not usable"}${status.restic.problem ? ` (${status.restic.problem})` : ""}`,
  );
  lines.push(`Running:     ${status.running.length === 0 ? "nothing" : ""}`);
  for (const job of status.running) {
    const seconds = Math.round((now.getTime() - job.startedAt.getTime()) / 1000);
    lines.push(`  ${job.kind} ${job.jobId} (${seconds} s)`);
  }
  if (status.queued.length > 0)
    lines.push(`Queued:      ${status.queued.map((q) => `${q.kind} ${q.jobId}`).join(", ")}`);
  if (status.schedulesProblem) lines.push(`Schedules:   ${status.schedulesProblem}`);
  if (status.schedules.length > 0) {
    lines.push(`Schedules:   ${status.schedules.length}`);
    for (const schedule of status.schedules) {
      const next = schedule.paused ? "paused" : (schedule.nextRunAt?.toISOString() ?? "never");
      lines.push(`  ${schedule.kind} ${schedule.id}: next ${next}`);
    }
  }
  if (status.unreportedResults > 0)
    lines.push(`Unreported:  ${status.unreportedResults} result(s) waiting for the server`);
  return lines.join("\n");
}
