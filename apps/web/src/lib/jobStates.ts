import type { TJobState } from "@restic-manager/contracts";

/**
 * Job states without zod or the contracts' schemas, for code on the first screen (the fleet
 * event hook): importing lib/jobs there would pull the job schemas into the initial bundle.
 */
const ACTIVE: readonly string[] = ["queued", "dispatched", "running"] satisfies TJobState[];

/** Still waiting or running: its page follows it live. */
export function isActiveState(state: string): boolean {
  return ACTIVE.includes(state);
}

/**
 * Orders states so that an older answer never overwrites a newer one: a live event and a
 * reloaded job may arrive in either order.
 */
export function laterState(a: string, b: string): string {
  const rank = (state: string) => (isActiveState(state) ? ACTIVE.indexOf(state) : ACTIVE.length);
  return rank(b) > rank(a) ? b : a;
}
