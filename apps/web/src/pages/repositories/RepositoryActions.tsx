import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Pencil, RefreshCw, Trash2 } from "lucide-react";
import { useState } from "react";
import { useNavigate } from "react-router";
import { Button } from "../../components/ui/Button";
import { ConfirmDialog } from "../../components/ui/ConfirmDialog";
import type { RepositoryDetail } from "../../lib/api-types";
import { describeError } from "../../lib/errors";
import { useRoleAtLeast } from "../../lib/session";
import { useTRPC } from "../../lib/trpc";
import { EditRepositoryDialog } from "./EditRepositoryDialog";
import type { HealthRefresh } from "./HealthRefreshStatus";

type OpenDialog = "edit" | "delete" | undefined;

/** Refresh health (operators), edit and delete (admins). */
export function RepositoryActions({
  repository,
  onRefresh,
}: {
  repository: RepositoryDetail;
  onRefresh: (outcome: HealthRefresh) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const canOperate = useRoleAtLeast("operator");
  const isAdmin = useRoleAtLeast("admin");
  const [dialog, setDialog] = useState<OpenDialog>();
  const refresh = useMutation(
    trpc.repositories.refreshHealth.mutationOptions({
      onSuccess: ({ jobId }) => onRefresh({ jobId }),
      onError: (error) => onRefresh({ error: describeError(error).message }),
    }),
  );
  const remove = useMutation(
    trpc.repositories.remove.mutationOptions({
      onSuccess: () => {
        void queryClient.invalidateQueries({ queryKey: trpc.repositories.pathKey() });
        navigate("/repositories");
      },
    }),
  );
  const ready = repository.status === "ready";

  return (
    <>
      {canOperate ? (
        <Button
          data-testid="repo-refresh-health"
          disabled={!ready || refresh.isPending}
          title={ready ? undefined : "Available once the repository is set up"}
          onClick={() => refresh.mutate({ id: repository.id })}
        >
          <RefreshCw className={`size-4 ${refresh.isPending ? "animate-spin" : ""}`} aria-hidden />
          Refresh health
        </Button>
      ) : null}
      {isAdmin ? (
        <>
          <Button data-testid="repo-edit" onClick={() => setDialog("edit")}>
            <Pencil className="size-4" aria-hidden />
            Edit
          </Button>
          <Button variant="danger" data-testid="repo-delete" onClick={() => setDialog("delete")}>
            <Trash2 className="size-4" aria-hidden />
            Delete
          </Button>
        </>
      ) : null}
      {dialog === "edit" ? (
        <EditRepositoryDialog repository={repository} open onClose={() => setDialog(undefined)} />
      ) : null}
      <ConfirmDialog
        open={dialog === "delete"}
        title={`Delete “${repository.name}”?`}
        confirmLabel="Delete repository"
        pending={remove.isPending}
        error={remove.error ? describeError(remove.error).message : undefined}
        onConfirm={() => remove.mutate({ id: repository.id })}
        onClose={() => {
          setDialog(undefined);
          remove.reset();
        }}
      >
        restic-manager forgets this repository and its credentials. The backups stored in it are not
        touched; jobs that used it keep their history.
      </ConfirmDialog>
    </>
  );
}
