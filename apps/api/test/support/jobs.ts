import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { TERMINAL_JOB_STATES, type TJobResult } from "@restic-manager/contracts";
import { waitFor } from "@restic-manager/test-support";
import { expect } from "vitest";
import type { Client } from "./world.js";

/** Polls a job until it ends, and returns it as jobs.get does. */
export function waitForJobEnd(client: Client, id: string, timeoutMs = 60_000) {
  return waitFor(
    async () => {
      const job = await client.jobs.get.query({ id });
      return TERMINAL_JOB_STATES.includes(job.state) ? job : undefined;
    },
    { timeoutMs, intervalMs: 100, what: `job ${id} to end` },
  );
}

/** A finished job's result, checked to be of the expected kind. */
export function resultOf<K extends TJobResult["kind"]>(job: { result: unknown }, kind: K) {
  const result = job.result as TJobResult;
  expect(result.kind).toBe(kind);
  return result as Extract<TJobResult, { kind: K }>;
}

/** A new directory holding `mebibytes` MiB of random bytes: neither compressible nor deduplicated. */
export function randomTree(mebibytes: number): string {
  const dir = mkdtempSync(path.join(tmpdir(), "rm-big-"));
  writeFileSync(path.join(dir, "random.bin"), randomBytes(mebibytes * 1024 * 1024));
  return dir;
}

/**
 * Starts a backup of `paths` slowed by restic's upload limit (KiB/s), and returns its id once
 * it runs and has reported progress: time enough for a test to act while restic works.
 */
export async function startSlowBackup(
  client: Client,
  target: { hostId: string; repositoryId: string; paths: string[]; limitUpload: number },
): Promise<string> {
  const { id } = await client.jobs.create.mutate({
    hostId: target.hostId,
    repositoryId: target.repositoryId,
    params: { kind: "backup", paths: target.paths, limitUpload: target.limitUpload },
  });
  await waitFor(
    async () => {
      const job = await client.jobs.get.query({ id });
      return job.state === "running" && job.progress ? job : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 100, what: "the backup to report progress" },
  );
  return id;
}
