import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { QueryStatus } from "../../components/QueryStatus";
import { Alert } from "../../components/ui/Alert";
import { Button } from "../../components/ui/Button";
import { Card } from "../../components/ui/Card";
import { Table, Td, Th } from "../../components/ui/Table";
import type { RouterOutputs } from "../../lib/api-types";
import { describeError } from "../../lib/errors";
import { formatBytes, formatDateTime, formatDuration, formatRelative } from "../../lib/format";
import { useTRPC } from "../../lib/trpc";

type ServerBackupRun = NonNullable<RouterOutputs["serverBackups"]["status"]["lastRun"]>;

/** Copies of the server's own database: where they go, the last outcome, and "Back up now". */
export function ServerBackupsPage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const status = useQuery(trpc.serverBackups.status.queryOptions());
  const copies = useQuery(trpc.serverBackups.list.queryOptions());
  const create = useMutation(
    trpc.serverBackups.create.mutationOptions({
      onSettled: () => {
        void queryClient.invalidateQueries({ queryKey: trpc.serverBackups.status.queryKey() });
        void queryClient.invalidateQueries({ queryKey: trpc.serverBackups.list.queryKey() });
      },
    }),
  );
  const settings = status.data;

  return (
    <div className="space-y-6" data-testid="page-server-backups">
      <Card
        title="Server database"
        description={
          settings ? (
            <>
              Copied to <code className="font-mono text-xs">{settings.directory}</code>{" "}
              {settings.intervalSeconds > 0
                ? `when the newest copy is ${formatDuration(settings.intervalSeconds)} old`
                : "only when asked"}
              ; the newest {settings.keep} are kept. The master key is not in these copies: keep it
              apart from them, a restore needs both.
            </>
          ) : undefined
        }
        actions={
          <Button
            variant="primary"
            data-testid="server-backup-now"
            disabled={create.isPending || settings?.running}
            onClick={() => create.mutate()}
          >
            {create.isPending || settings?.running ? "Backing up…" : "Back up now"}
          </Button>
        }
      >
        <QueryStatus query={status} loading="Loading…" />
        {create.error ? (
          <Alert tone="error">{describeError(create.error).message}</Alert>
        ) : settings?.lastRun ? (
          <LastRun run={settings.lastRun} />
        ) : settings ? (
          <p
            className="text-sm text-slate-500 dark:text-slate-400"
            data-testid="server-backup-last"
          >
            No copy taken yet.
          </p>
        ) : null}
      </Card>
      <QueryStatus query={copies} loading="Loading copies…" />
      {copies.data ? <CopiesTable copies={copies.data.items} /> : null}
    </div>
  );
}

function LastRun({ run }: { run: ServerBackupRun }) {
  const when = `${formatRelative(run.finishedAt)}, ${run.trigger === "schedule" ? "on schedule" : "on request"}`;
  return run.ok ? (
    <Alert tone="success" title="Last copy succeeded" data-testid="server-backup-last">
      {run.copy.name} ({formatBytes(run.copy.sizeBytes)}), {when}
      {run.pruned.length > 0 ? `; ${run.pruned.length} older removed` : ""}.
    </Alert>
  ) : (
    <Alert tone="error" title="Last copy failed" data-testid="server-backup-last">
      {run.error} ({when})
    </Alert>
  );
}

function CopiesTable({ copies }: { copies: RouterOutputs["serverBackups"]["list"]["items"] }) {
  if (copies.length === 0) {
    return (
      <p className="text-sm text-slate-500 dark:text-slate-400" data-testid="server-backups-empty">
        No copies yet.
      </p>
    );
  }
  return (
    <Table data-testid="server-backups-table">
      <thead>
        <tr>
          <Th>File</Th>
          <Th>Taken</Th>
          <Th className="text-right">Size</Th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-200 dark:divide-slate-800">
        {copies.map((copy) => (
          <tr key={copy.name} data-testid="server-backup-row">
            <Td className="font-mono text-xs">{copy.name}</Td>
            <Td className="whitespace-nowrap">{formatDateTime(copy.takenAt)}</Td>
            <Td className="text-right whitespace-nowrap">{formatBytes(copy.sizeBytes)}</Td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}
