import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Pencil, Play, Trash2 } from "lucide-react";
import { Link, useNavigate } from "react-router";
import { Button } from "../../components/ui/Button";
import { Table, Td, Th } from "../../components/ui/Table";
import type { BackupSet, ScheduleListItem } from "../../lib/api-types";
import { describeError } from "../../lib/errors";
import { useRoleAtLeast } from "../../lib/session";
import { useTRPC } from "../../lib/trpc";
import { describeRetention, describeSetOptions } from "./backupSetForm";
import { SetSchedules } from "./SetSchedules";

const LINK = "font-medium text-teal-700 hover:underline dark:text-teal-300";

interface BackupSetsTableProps {
  sets: BackupSet[];
  /** The column naming where each set lives that the page does not already say. */
  other: "host" | "repository";
  onEdit?: ((set: BackupSet) => void) | undefined;
  onDelete?: ((set: BackupSet) => void) | undefined;
  /** When given, a column with each set's schedules: next run, last run and its result. */
  schedules?: ScheduleListItem[] | undefined;
}

/** Backup sets with what they back up; operators run one now and land on its job. */
export function BackupSetsTable({
  sets,
  other,
  onEdit,
  onDelete,
  schedules,
}: BackupSetsTableProps) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const canOperate = useRoleAtLeast("operator");
  const run = useMutation(
    trpc.backupSets.run.mutationOptions({
      onSuccess: ({ jobId }) => {
        void queryClient.invalidateQueries({ queryKey: trpc.jobs.list.pathKey() });
        navigate(`/jobs/${jobId}`);
      },
    }),
  );
  const hasActions = canOperate || onEdit !== undefined || onDelete !== undefined;

  return (
    <div className="space-y-2">
      {run.error ? (
        <p role="alert" className="text-sm text-red-600 dark:text-red-400">
          {describeError(run.error).message}
        </p>
      ) : null}
      <Table data-testid="backup-sets-table">
        <thead>
          <tr>
            <Th>Name</Th>
            <Th>{other === "host" ? "Host" : "Repository"}</Th>
            <Th>Paths</Th>
            <Th>Options</Th>
            {schedules ? <Th>Schedule</Th> : null}
            {hasActions ? <Th className="text-right">Actions</Th> : null}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-200 dark:divide-slate-800">
          {sets.map((set) => (
            <tr key={set.id} data-testid="backup-set-row" data-set-name={set.name}>
              <Td className="font-medium whitespace-nowrap text-slate-900 dark:text-white">
                {set.name}
              </Td>
              <Td className="whitespace-nowrap">
                {other === "host" ? (
                  <Link to={`/hosts/${set.hostId}`} className={LINK}>
                    {set.hostName}
                  </Link>
                ) : (
                  <Link to={`/repositories/${set.repositoryId}`} className={LINK}>
                    {set.repositoryName}
                  </Link>
                )}
              </Td>
              <Td className="min-w-48 font-mono text-xs break-all" data-testid="backup-set-paths">
                {set.options.paths.join(", ")}
              </Td>
              <Td className="min-w-40 text-xs text-slate-500 dark:text-slate-400">
                {describeSetOptions(set.options).join(" · ") || "—"}
                {set.retention ? (
                  <span className="block" data-testid="backup-set-retention">
                    {describeRetention(set.retention)}
                    {set.forgetAfterBackup ? ", after each backup" : ""}
                  </span>
                ) : null}
              </Td>
              {schedules ? (
                <Td className="min-w-56">
                  <SetSchedules schedules={schedules.filter((s) => s.backupSetId === set.id)} />
                </Td>
              ) : null}
              {hasActions ? (
                <Td className="text-right whitespace-nowrap">
                  <span className="inline-flex gap-1">
                    {canOperate ? (
                      <Button
                        size="sm"
                        variant="primary"
                        data-testid="backup-set-run"
                        disabled={run.isPending}
                        onClick={() => run.mutate({ id: set.id })}
                      >
                        <Play className="size-3.5" aria-hidden />
                        {run.isPending && run.variables.id === set.id ? "Starting…" : "Run now"}
                      </Button>
                    ) : null}
                    {onEdit ? (
                      <Button
                        size="sm"
                        variant="ghost"
                        aria-label={`Edit ${set.name}`}
                        title="Edit"
                        data-testid="backup-set-edit"
                        onClick={() => onEdit(set)}
                      >
                        <Pencil className="size-3.5" aria-hidden />
                      </Button>
                    ) : null}
                    {onDelete ? (
                      <Button
                        size="sm"
                        variant="ghost"
                        aria-label={`Delete ${set.name}`}
                        title="Delete"
                        className="text-red-600 hover:text-red-700 dark:text-red-400"
                        data-testid="backup-set-delete"
                        onClick={() => onDelete(set)}
                      >
                        <Trash2 className="size-3.5" aria-hidden />
                      </Button>
                    ) : null}
                  </span>
                </Td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </Table>
    </div>
  );
}
