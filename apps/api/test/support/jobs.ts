import { TERMINAL_JOB_STATES, type TJobResult } from "@restic-manager/contracts";
import { waitFor } from "@restic-manager/test-support";
import { expect } from "vitest";
import type { Client } from "./world.js";

/** Polls a job until it ends, and returns it as jobs.get does. */
export function waitForJobEnd(client: Client, id: string, timeoutMs = 60_000) {
  return waitFor(
    async () => {
      const job = await client.jobs.get.query({ id });
      return TERMINAL_JOB_STATES.includes(job.state as (typeof TERMINAL_JOB_STATES)[number])
        ? job
        : undefined;
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
