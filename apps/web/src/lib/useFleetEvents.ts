import type { TFleetBatch, TFleetEvent } from "@restic-manager/contracts";
import { useQueryClient } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import { useEffect, useRef, useState } from "react";
import {
  changesJobLists,
  endsBackup,
  patchHost,
  patchJob,
  ThrottledInvalidation,
} from "./fleetCache";
import { useTRPC } from "./trpc";

/** Lists and counts that changes make stale are fetched again at most this often. */
const INVALIDATE_INTERVAL_MS = 1000;

/**
 * Keeps what the pages show current from the fleet event stream, instead of timers: a host's
 * online flag and a job's state are patched into the lists that hold them; a new or finished
 * job, a host the lists do not know and a change of alerts have the lists and summaries that
 * depend on them fetched again (only those on screen are, and at most once a second).
 */
export function useFleetEvents() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [throttled] = useState(
    () => new ThrottledInvalidation(queryClient, INVALIDATE_INTERVAL_MS),
  );
  useEffect(() => () => throttled.stop(), [throttled]);
  // Since when the stream has not been listening: what was fetched before then may have missed
  // changes. Nothing at first: the pages' first fetches and the stream start together.
  const deafSince = useRef(0);

  const keys = {
    hosts: trpc.hosts.list.pathKey(),
    jobs: trpc.jobs.list.pathKey(),
    jobSummary: trpc.jobs.summary.pathKey(),
    repositories: trpc.repositories.pathKey(),
    backupSets: trpc.backupSets.pathKey(),
    alerts: trpc.alerts.pathKey(),
    schedules: trpc.schedules.pathKey(),
    dashboard: trpc.dashboard.summary.pathKey(),
  };

  function apply(event: TFleetEvent) {
    switch (event.type) {
      case "host": {
        const known = patchHost(
          queryClient,
          { list: keys.hosts, detail: trpc.hosts.get.queryKey({ id: event.hostId }) },
          event,
        );
        // A connect may bring new facts (versions, OS); only an open host page reads them.
        void queryClient.invalidateQueries({
          queryKey: trpc.hosts.get.queryKey({ id: event.hostId }),
        });
        throttled.add(keys.dashboard, ...(known ? [] : [keys.hosts]));
        return;
      }
      case "job": {
        const row = patchJob(queryClient, keys.jobs, event);
        void queryClient.invalidateQueries({
          queryKey: trpc.jobs.get.queryKey({ id: event.jobId }),
        });
        if (changesJobLists(event, row !== undefined)) {
          // Repositories' status and health, and sets' last drill, change when their jobs end.
          throttled.add(
            keys.jobs,
            keys.jobSummary,
            keys.dashboard,
            keys.repositories,
            keys.backupSets,
          );
        }
        if (row?.hostId && endsBackup(event, row)) {
          throttled.add(keys.hosts, trpc.hosts.get.queryKey({ id: row.hostId }));
        }
        return;
      }
      case "alerts":
        throttled.add(keys.alerts, keys.dashboard);
        return;
      case "schedules":
        throttled.add(keys.schedules, keys.dashboard);
        return;
      case "resync":
        throttled.add([]);
        return;
      default: {
        const unknownEvent: never = event;
        return unknownEvent;
      }
    }
  }

  useSubscription(
    trpc.events.fleet.subscriptionOptions(undefined, {
      onStarted: () => {
        const since = deafSince.current;
        void queryClient.invalidateQueries({
          predicate: (query) => query.state.dataUpdatedAt < since,
        });
      },
      onConnectionStateChange: (state) => {
        if (state.state === "connecting" && state.error) deafSince.current = Date.now();
      },
      onData: (batch: TFleetBatch) => {
        for (const event of batch.events) apply(event);
      },
    }),
  );
}
