import { isActiveState } from "../../lib/jobs";

/** While any listed job is still active, lists refresh at this pace. */
export const ACTIVE_JOBS_POLL_MS = 2000;

export function pollWhileActive(jobs: readonly { state: string }[] | undefined): number | false {
  return jobs?.some((job) => isActiveState(job.state)) ? ACTIVE_JOBS_POLL_MS : false;
}
