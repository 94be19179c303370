import {
  JOB_KIND_TRAITS,
  type TJobKind,
  type TJobParams,
  ZJobParams,
} from "@restic-manager/contracts";
import { z } from "zod";
import { AppError } from "../errors.js";

/** Validates a job's params (stored or submitted) against its kind's schema. */
export function parseJobParams(input: unknown): TJobParams {
  const parsed = ZJobParams.safeParse(input);
  if (!parsed.success) {
    throw new AppError("BAD_REQUEST", `Invalid job: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

export function needsRepository(kind: TJobKind): boolean {
  return JOB_KIND_TRAITS[kind].needsRepository;
}
