import type { TLogLine, TResticProgress } from "@restic-manager/contracts";
import { useQueryClient } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import { useCallback, useState } from "react";
import type { JobDetail } from "../../lib/api-types";
import { isActiveState, laterState } from "../../lib/jobs";
import { useTRPC } from "../../lib/trpc";

/**
 * The rate is taken over the last half minute of samples: restic counts data once packed,
 * in bursts, so a shorter window swings between zero and far too much.
 */
const RATE_WINDOW_SECONDS = 30;
const RATE_MIN_SPAN_SECONDS = 5;
/** Live log lines kept in the page beyond what the server stored when the page loaded. */
const MAX_LIVE_LINES = 5000;

interface LiveJob {
  state: string | undefined;
  error: string | null;
  progress: TResticProgress | undefined;
  samples: { bytes: number; seconds: number }[];
  lines: TLogLine[];
}

const NOTHING_YET: LiveJob = {
  state: undefined,
  error: null,
  progress: undefined,
  samples: [],
  lines: [],
};

function bytesOf(progress: TResticProgress): number {
  return progress.kind === "backup" ? progress.bytesDone : progress.bytesRestored;
}

function withSample(live: LiveJob, progress: TResticProgress): LiveJob {
  const sample = { bytes: bytesOf(progress), seconds: progress.secondsElapsed };
  const samples = [...live.samples, sample].filter(
    (s) => sample.seconds - s.seconds <= RATE_WINDOW_SECONDS,
  );
  return { ...live, progress, samples };
}

/** Bytes per second over the recent samples, or the average since the start. */
function rateOf(live: LiveJob, progress: TResticProgress | undefined): number | undefined {
  const first = live.samples.at(0);
  const last = live.samples.at(-1);
  if (first && last && last.seconds - first.seconds >= RATE_MIN_SPAN_SECONDS) {
    return (last.bytes - first.bytes) / (last.seconds - first.seconds);
  }
  if (progress && progress.secondsElapsed > 0) return bytesOf(progress) / progress.secondsElapsed;
  return undefined;
}

function lineKey(line: { at: Date; stream: string; line: string }): string {
  return `${line.at.getTime()}|${line.stream}|${line.line}`;
}

/**
 * Follows a job live through `jobs.watch` while it is active: state changes reload the job,
 * progress and log lines are merged into what `jobs.get` returned. A `gap` (the server's
 * buffer no longer reaches back far enough) reloads the job instead.
 */
export function useJobLive(
  id: string,
  job: JobDetail | undefined,
  parsedProgress?: TResticProgress,
) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [live, setLive] = useState<LiveJob>(NOTHING_YET);
  const state = job ? laterState(job.state, live.state ?? job.state) : undefined;
  const active = state !== undefined && isActiveState(state);

  const reload = useCallback(
    () => queryClient.invalidateQueries({ queryKey: trpc.jobs.get.queryKey({ id }) }),
    [queryClient, trpc, id],
  );

  const subscription = useSubscription(
    trpc.jobs.watch.subscriptionOptions(
      { id },
      {
        enabled: active,
        // The job may have moved on between loading the page and the stream opening.
        onStarted: () => void reload(),
        onData: ({ data: event }) => {
          switch (event.type) {
            case "state":
              setLive((current) => ({ ...current, state: event.state, error: event.error }));
              void reload();
              return;
            case "progress":
              setLive((current) => withSample(current, event.progress));
              return;
            case "log":
              setLive((current) => ({
                ...current,
                lines: [...current.lines, ...event.lines].slice(-MAX_LIVE_LINES),
              }));
              return;
            case "gap":
              setLive((current) => ({ ...current, lines: [] }));
              void reload();
              return;
            default: {
              const unknownEvent: never = event;
              return unknownEvent;
            }
          }
        },
      },
    ),
  );

  const progress = live.progress ?? parsedProgress;
  const stored = job?.logs ?? [];
  const storedKeys = new Set(stored.map(lineKey));
  const lines = [...stored, ...live.lines.filter((line) => !storedKeys.has(lineKey(line)))];
  return {
    state,
    active,
    // Not every ending is stored with its reason; the event that announced it may carry one.
    error: job?.error ?? live.error,
    progress,
    rate: rateOf(live, progress),
    lines,
    connection: subscription.status,
  };
}
