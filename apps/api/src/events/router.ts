import type { AppDeps } from "../deps.js";
import { router, viewerProcedure } from "../trpc/trpc.js";
import { FleetEventStream } from "./stream.js";

/**
 * One stream per server, made on first use from the emitters the services already have, so
 * start-up code needs nothing new.
 */
const streams = new WeakMap<AppDeps, FleetEventStream>();

export function fleetEventStream(deps: AppDeps): FleetEventStream {
  let stream = streams.get(deps);
  if (!stream) {
    stream = new FleetEventStream({
      agents: deps.agents.events,
      jobs: deps.jobEvents.states,
      alerts: deps.alerts.changes,
      schedules: deps.schedules.changes,
    });
    streams.set(deps, stream);
  }
  return stream;
}

export const eventsRouter = router({
  /**
   * Hosts online/offline, job states, alert and missed-slot changes, coalesced per browser. Not resumable:
   * a browser that (re)connects reloads what it shows, as it may have missed changes.
   */
  fleet: viewerProcedure.subscription(async function* ({ ctx, signal }) {
    const stream = fleetEventStream(ctx.deps);
    yield* stream.subscribe(signal ?? new AbortController().signal);
  }),
});
