import { z } from "zod";
import { AppError } from "../errors.js";

// TODO(contracts): replace with the per-kind params schemas from @restic-manager/contracts.
const JOB_KINDS = [
  "init",
  "backup",
  "forget",
  "prune",
  "check",
  "unlock",
  "snapshots",
  "stats",
  "ls",
  "diff",
  "restore",
  "dump",
] as const;

const ZJobSpec = z.object({
  kind: z.enum(JOB_KINDS),
  params: z.record(z.string(), z.unknown()),
});

export type JobSpec = z.infer<typeof ZJobSpec>;

export function parseJobSpec(input: unknown): JobSpec {
  const parsed = ZJobSpec.safeParse(input);
  if (!parsed.success) {
    throw new AppError("BAD_REQUEST", `Invalid job: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

export function needsRepository(_kind: JobSpec["kind"]): boolean {
  return true;
}
