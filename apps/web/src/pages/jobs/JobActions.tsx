import { JOB_KIND_TRAITS, type TJobKind } from "@restic-manager/contracts";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { RotateCcw, Square } from "lucide-react";
import { useNavigate } from "react-router";
import { Button } from "../../components/ui/Button";
import { describeError } from "../../lib/errors";
import { isActiveState, isRetryableState } from "../../lib/jobs";
import { useRoleAtLeast } from "../../lib/session";
import { useTRPC } from "../../lib/trpc";

/**
 * Cancel while the job is active; retry once it failed, was cancelled or was lost, unless its
 * kind is started by an action of its own (an agent update: the host page's button).
 */
export function JobActions({ id, kind, state }: { id: string; kind: TJobKind; state: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const canOperate = useRoleAtLeast("operator");
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.jobs.pathKey() });
  const cancel = useMutation(trpc.jobs.cancel.mutationOptions({ onSettled: refresh }));
  const retry = useMutation(
    trpc.jobs.retry.mutationOptions({
      onSuccess: ({ id: newId }) => {
        void refresh();
        navigate(`/jobs/${newId}`);
      },
    }),
  );
  if (!canOperate) return null;
  const failure = cancel.error ?? retry.error;

  return (
    <div className="flex flex-wrap items-center justify-end gap-2">
      {failure ? (
        <span role="alert" className="text-sm text-red-600 dark:text-red-400">
          {describeError(failure).message}
        </span>
      ) : null}
      {isActiveState(state) ? (
        <Button
          data-testid="job-cancel"
          disabled={cancel.isPending || cancel.isSuccess}
          onClick={() => cancel.mutate({ id })}
        >
          <Square className="size-4" aria-hidden />
          {cancel.isSuccess ? "Cancelling…" : "Cancel"}
        </Button>
      ) : null}
      {isRetryableState(state) && JOB_KIND_TRAITS[kind].ownAction === null ? (
        <Button
          variant="primary"
          data-testid="job-retry"
          disabled={retry.isPending}
          onClick={() => retry.mutate({ id })}
        >
          <RotateCcw className="size-4" aria-hidden />
          Retry
        </Button>
      ) : null}
    </div>
  );
}
