import {
  JOB_STATES,
  narrow,
  setTag,
  type TJobParams,
  type TScheduleOptions,
  ZDrillParams,
} from "@restic-manager/contracts";
import type { Db } from "../db.js";
import { AppError } from "../errors.js";

/**
 * What a set's restore drill runs: the latest of the set's own snapshots (its `rm-set:` tag
 * selects them, wherever they were made), sampled as the schedule says.
 */
export function drillParams(set: { id: string }, options: TScheduleOptions): TJobParams {
  return ZDrillParams.parse({
    kind: "drill",
    tags: [setTag(set.id)],
    sampleFiles: options.sampleFiles,
    sampleBytes: options.sampleBytes,
  });
}

/**
 * The host a set's drill runs on, refused unless it can read the repository: it backs up
 * there (a backup set of its own in it) or is the repository's maintenance host. The
 * credentials travel with each job, so any other host would be handed access it never had.
 */
export async function drillHost(
  db: Db,
  set: { repositoryId: string; repository: { name: string; maintenanceHostId: string | null } },
  hostId: string,
) {
  const host = await db.host.findUnique({
    where: { id: hostId },
    select: { id: true, name: true, timeZone: true, revokedAt: true },
  });
  if (!host || host.revokedAt) throw new AppError("NOT_FOUND", "No such host");
  if (set.repository.maintenanceHostId === host.id) return host;
  const backsUpThere = await db.backupSet.findFirst({
    where: { hostId: host.id, repositoryId: set.repositoryId },
    select: { id: true },
  });
  if (!backsUpThere) {
    throw new AppError(
      "BAD_REQUEST",
      `${host.name} has no access to "${set.repository.name}": a drill runs on a host that backs up to the repository or is its maintenance host`,
    );
  }
  return host;
}

/** A backup set as lists of sets show it with its latest drill (see presentLastDrill). */
export const SET_WITH_DRILL_FIELDS = {
  id: true,
  name: true,
  hostId: true,
  host: { select: { name: true } },
  lastDrillAt: true,
  lastDrillJobId: true,
  lastDrillState: true,
  lastDrillSuccessAt: true,
} as const;

/** A set's latest restore drill as the API shows it: when it ended, its job, and how. */
export function presentLastDrill(set: {
  lastDrillAt: Date | null;
  lastDrillJobId: string | null;
  lastDrillState: string | null;
  lastDrillSuccessAt: Date | null;
}) {
  if (!set.lastDrillAt || !set.lastDrillJobId || !set.lastDrillState) return null;
  return {
    at: set.lastDrillAt,
    jobId: set.lastDrillJobId,
    state: narrow(JOB_STATES, set.lastDrillState),
    /** The last drill that passed, when the latest did not (or the latest itself). */
    lastSuccessAt: set.lastDrillSuccessAt,
  };
}
