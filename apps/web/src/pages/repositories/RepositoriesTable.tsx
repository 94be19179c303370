import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Badge } from "../../components/ui/Badge";
import { Button } from "../../components/ui/Button";
import { ConfirmDialog } from "../../components/ui/ConfirmDialog";
import { Table, Td, Th } from "../../components/ui/Table";
import { describeError } from "../../lib/errors";
import { formatDateTime } from "../../lib/format";
import type { RouterOutputs } from "../../lib/trpc";
import { useTRPC } from "../../lib/trpc";

type RepositoryListItem = RouterOutputs["repositories"]["list"][number];

export function RepositoriesTable({
  repositories,
  canDelete,
}: {
  repositories: RepositoryListItem[];
  canDelete: boolean;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [deleting, setDeleting] = useState<RepositoryListItem>();
  const remove = useMutation(
    trpc.repositories.remove.mutationOptions({
      onSuccess: () => {
        setDeleting(undefined);
        void queryClient.invalidateQueries({ queryKey: trpc.repositories.list.queryKey() });
      },
    }),
  );

  return (
    <>
      <Table data-testid="repositories-table">
        <thead>
          <tr>
            <Th>Name</Th>
            <Th>Repository</Th>
            <Th>Credentials</Th>
            <Th>Added</Th>
            {canDelete ? <Th className="text-right">Actions</Th> : null}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-200 dark:divide-slate-800">
          {repositories.map((repository) => (
            <tr key={repository.id} data-testid="repository-row" data-repo-name={repository.name}>
              <Td className="font-medium text-slate-900 dark:text-white">{repository.name}</Td>
              <Td className="min-w-56 font-mono text-xs break-all" data-testid="repository-url">
                {repository.displayUrl}
              </Td>
              <Td className="whitespace-nowrap">
                <span className="flex flex-wrap gap-1.5">
                  <Badge>password</Badge>
                  {repository.hasEnv ? <Badge>environment</Badge> : null}
                </span>
              </Td>
              <Td className="whitespace-nowrap">{formatDateTime(repository.createdAt)}</Td>
              {canDelete ? (
                <Td className="text-right">
                  <Button
                    size="sm"
                    variant="ghost"
                    className="text-red-600 hover:text-red-700 dark:text-red-400"
                    data-testid="repository-delete"
                    onClick={() => setDeleting(repository)}
                  >
                    Delete
                  </Button>
                </Td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </Table>
      <ConfirmDialog
        open={deleting !== undefined}
        title={`Delete “${deleting?.name ?? ""}”?`}
        confirmLabel="Delete repository"
        pending={remove.isPending}
        error={remove.error ? describeError(remove.error).message : undefined}
        onConfirm={() => deleting && remove.mutate({ id: deleting.id })}
        onClose={() => {
          setDeleting(undefined);
          remove.reset();
        }}
      >
        restic-manager forgets this repository and its credentials. The backups stored in it are not
        touched; jobs that used it keep their history.
      </ConfirmDialog>
    </>
  );
}
