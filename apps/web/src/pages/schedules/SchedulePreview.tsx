import { keepPreviousData, skipToken, useQuery } from "@tanstack/react-query";
import { CalendarClock } from "lucide-react";
import { errorSentence } from "../../lib/errors";
import { formatDateTimeIn } from "../../lib/format";
import { useSettledValue } from "../../lib/forms";
import { useTRPC } from "../../lib/trpc";
import { type ScheduleFormValues, spreadOf, toTiming } from "./scheduleForm";

const RUNS = 5;

interface SchedulePreviewProps {
  values: ScheduleFormValues;
  /** The host that runs it: its zone and spread apply. */
  hostId: string | undefined;
}

/**
 * The timing in words and its next runs on the host, in the zone they are planned in, as the
 * server computes them; or why the server refuses the timing.
 */
export function SchedulePreview({ values, hostId }: SchedulePreviewProps) {
  const trpc = useTRPC();
  const timing = toTiming(values);
  const input = timing.ok
    ? {
        timing: timing.data,
        timeZone: values.timeZone.trim() || null,
        spreadMinutes: spreadOf(values),
        count: RUNS,
        ...(hostId ? { hostId } : {}),
      }
    : undefined;
  const settled = useSettledValue(input, JSON.stringify(input ?? null));
  const preview = useQuery(
    trpc.schedules.preview.queryOptions(settled ?? skipToken, {
      // A refused timing stays refused: say so at once.
      retry: false,
      placeholderData: keepPreviousData,
    }),
  );

  const localError = timing.ok ? undefined : Object.values(timing.errors)[0];
  return (
    <div
      data-testid="schedule-preview"
      className="space-y-2 rounded-md border border-slate-200 bg-slate-50 px-4 py-3 text-sm dark:border-slate-800 dark:bg-slate-950/40"
    >
      <p className="flex items-center gap-2 font-medium text-slate-800 dark:text-slate-200">
        <CalendarClock className="size-4 text-teal-600 dark:text-teal-400" aria-hidden />
        Next runs
      </p>
      {localError ? (
        <p className="text-red-700 dark:text-red-300" data-testid="schedule-preview-error">
          {localError}
        </p>
      ) : preview.error ? (
        <p
          role="alert"
          className="text-red-700 dark:text-red-300"
          data-testid="schedule-preview-error"
        >
          {errorSentence(preview.error)}
        </p>
      ) : preview.data ? (
        <div className={preview.isPlaceholderData ? "opacity-60" : undefined}>
          <p className="text-slate-600 dark:text-slate-300">
            <span data-testid="schedule-preview-description">{preview.data.description}</span>,{" "}
            <span className="text-slate-500 dark:text-slate-400">
              in {preview.data.timeZone}
              {values.timeZone.trim() ? "" : " (the host's zone)"}
            </span>
          </p>
          <ol className="mt-1.5 space-y-0.5 font-mono text-xs text-slate-700 dark:text-slate-300">
            {preview.data.nextRuns.map((run) => (
              <li key={run.getTime()} data-testid="schedule-preview-run">
                {formatDateTimeIn(run, preview.data.timeZone)}
              </li>
            ))}
          </ol>
        </div>
      ) : (
        <p className="text-slate-500 dark:text-slate-400">Working them out…</p>
      )}
    </div>
  );
}
