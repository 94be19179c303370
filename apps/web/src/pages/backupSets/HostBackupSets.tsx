import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Plus } from "lucide-react";
import { useState } from "react";
import { Link } from "react-router";
import { LoadMoreButton } from "../../components/LoadMoreButton";
import { QueryStatus } from "../../components/QueryStatus";
import { Button } from "../../components/ui/Button";
import { Card } from "../../components/ui/Card";
import { ConfirmDialog } from "../../components/ui/ConfirmDialog";
import type { BackupSet } from "../../lib/api-types";
import { describeError } from "../../lib/errors";
import { formatCountOf } from "../../lib/format";
import { useRoleAtLeast } from "../../lib/session";
import { useTRPC } from "../../lib/trpc";
import { BackupSetDialog } from "./BackupSetDialog";
import { BackupSetsTable } from "./BackupSetsTable";
import { useBackupSetPages } from "./useBackupSetPages";

type Editing = { set?: BackupSet } | undefined;

/** What this host backs up, and where; admins manage the sets, operators run them. */
export function HostBackupSets({ hostId, revoked }: { hostId: string; revoked: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const isAdmin = useRoleAtLeast("admin");
  const canManage = isAdmin && !revoked;
  const { query: sets, items: setItems } = useBackupSetPages({ hostId });
  // What this host runs on its own; a host with more than a page of them is not the case here.
  const schedules = useQuery(trpc.schedules.list.queryOptions({ hostId, limit: 200 }));
  const setIds = new Set(setItems?.map((set) => set.id));
  // Only once every set is read: a schedule of a set on a later page is not another's.
  const others =
    setItems && !sets.hasNextPage
      ? (schedules.data?.items ?? []).filter((schedule) => !setIds.has(schedule.backupSetId ?? ""))
      : [];
  const [editing, setEditing] = useState<Editing>();
  const [deleting, setDeleting] = useState<BackupSet>();
  const remove = useMutation(
    trpc.backupSets.remove.mutationOptions({
      onSuccess: () => {
        setDeleting(undefined);
        void queryClient.invalidateQueries({ queryKey: trpc.backupSets.pathKey() });
        void queryClient.invalidateQueries({ queryKey: trpc.repositories.pathKey() });
        // A set's schedules read its retention and go with it.
        void queryClient.invalidateQueries({ queryKey: trpc.schedules.pathKey() });
      },
    }),
  );

  return (
    <Card
      title="Backup sets"
      description="What this host backs up, with which options, into which repository, and when it runs."
      data-testid="host-backup-sets"
      actions={
        canManage ? (
          <Button variant="primary" data-testid="add-backup-set" onClick={() => setEditing({})}>
            <Plus className="size-4" aria-hidden />
            Add backup set
          </Button>
        ) : null
      }
    >
      <QueryStatus query={sets} loading="Loading backup sets…" />
      {setItems?.length === 0 ? (
        <p className="text-sm text-slate-500 dark:text-slate-400" data-testid="backup-sets-empty">
          {canManage
            ? "No backup set yet. Add one to say which paths this host backs up and where."
            : "No backup set yet."}
        </p>
      ) : null}
      {setItems && setItems.length > 0 ? (
        <BackupSetsTable
          sets={setItems}
          other="repository"
          onEdit={canManage ? (set) => setEditing({ set }) : undefined}
          onDelete={canManage ? setDeleting : undefined}
          schedules={schedules.data?.items ?? []}
        />
      ) : null}
      <LoadMoreButton query={sets} data-testid="backup-sets-load-more" />
      {others.length > 0 ? (
        <p
          className="mt-3 text-sm text-slate-600 dark:text-slate-300"
          data-testid="host-other-schedules"
        >
          This host also runs {formatCountOf(others.length, "maintenance schedule")} (
          {[...new Set(others.map((schedule) => schedule.kind))].join(", ")}) for the repositories
          it maintains:{" "}
          <Link
            to={`/schedules?host=${hostId}`}
            className="text-teal-700 hover:underline dark:text-teal-300"
          >
            see them
          </Link>
          .
        </p>
      ) : null}
      {editing ? (
        <BackupSetDialog hostId={hostId} set={editing.set} onClose={() => setEditing(undefined)} />
      ) : null}
      <ConfirmDialog
        open={deleting !== undefined}
        title={`Delete “${deleting?.name ?? ""}”?`}
        confirmLabel="Delete backup set"
        pending={remove.isPending}
        error={remove.error ? describeError(remove.error).message : undefined}
        onConfirm={() => deleting && remove.mutate({ id: deleting.id })}
        onClose={() => {
          setDeleting(undefined);
          remove.reset();
        }}
      >
        The set is no longer offered to run. Its snapshots stay in the repository and its jobs keep
        their history.
      </ConfirmDialog>
    </Card>
  );
}
