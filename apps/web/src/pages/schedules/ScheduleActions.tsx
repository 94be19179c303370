import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Pause, Pencil, Play, PlayCircle, Trash2 } from "lucide-react";
import { useNavigate } from "react-router";
import { Button } from "../../components/ui/Button";
import type { ScheduleListItem } from "../../lib/api-types";
import { describeError } from "../../lib/errors";
import { useRoleAtLeast } from "../../lib/session";
import { useTRPC } from "../../lib/trpc";

interface ScheduleActionsProps {
  schedule: ScheduleListItem;
  onEdit?: ((schedule: ScheduleListItem) => void) | undefined;
  onDelete?: ((schedule: ScheduleListItem) => void) | undefined;
}

/** Operators run a schedule now (and land on its job) and pause or resume it; admins edit. */
export function ScheduleActions({ schedule, onEdit, onDelete }: ScheduleActionsProps) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const canOperate = useRoleAtLeast("operator");
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.schedules.pathKey() });
  const runNow = useMutation(
    trpc.schedules.runNow.mutationOptions({
      onSuccess: ({ jobId }) => {
        void refresh();
        void queryClient.invalidateQueries({ queryKey: trpc.jobs.list.pathKey() });
        navigate(`/jobs/${jobId}`);
      },
    }),
  );
  const setPaused = useMutation(trpc.schedules.setPaused.mutationOptions({ onSuccess: refresh }));
  const failure = runNow.error ?? setPaused.error;

  return (
    <span className="inline-flex flex-col items-end gap-1">
      {failure ? (
        <span
          role="alert"
          className="max-w-56 text-xs whitespace-normal text-red-600 dark:text-red-400"
        >
          {describeError(failure).message}
        </span>
      ) : null}
      <span className="inline-flex items-center gap-1 whitespace-nowrap">
        {canOperate ? (
          <>
            <Button
              size="sm"
              variant="primary"
              data-testid="schedule-run-now"
              disabled={runNow.isPending}
              onClick={() => runNow.mutate({ id: schedule.id })}
            >
              <Play className="size-3.5" aria-hidden />
              {runNow.isPending ? "Starting…" : "Run now"}
            </Button>
            <Button
              size="sm"
              variant="ghost"
              aria-label={schedule.paused ? "Resume schedule" : "Pause schedule"}
              title={schedule.paused ? "Resume" : "Pause"}
              data-testid={schedule.paused ? "schedule-resume" : "schedule-pause"}
              disabled={setPaused.isPending}
              onClick={() => setPaused.mutate({ id: schedule.id, paused: !schedule.paused })}
            >
              {schedule.paused ? (
                <PlayCircle className="size-3.5" aria-hidden />
              ) : (
                <Pause className="size-3.5" aria-hidden />
              )}
            </Button>
          </>
        ) : null}
        {onEdit ? (
          <Button
            size="sm"
            variant="ghost"
            aria-label="Edit schedule"
            title="Edit"
            data-testid="schedule-edit"
            onClick={() => onEdit(schedule)}
          >
            <Pencil className="size-3.5" aria-hidden />
          </Button>
        ) : null}
        {onDelete ? (
          <Button
            size="sm"
            variant="ghost"
            aria-label="Delete schedule"
            title="Delete"
            className="text-red-600 hover:text-red-700 dark:text-red-400"
            data-testid="schedule-delete"
            onClick={() => onDelete(schedule)}
          >
            <Trash2 className="size-3.5" aria-hidden />
          </Button>
        ) : null}
      </span>
    </span>
  );
}
