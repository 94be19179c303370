import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import { Alert } from "../../components/ui/Alert";
import { Card } from "../../components/ui/Card";
import { PageHeader } from "../../components/ui/PageHeader";
import { useDownload } from "../../lib/downloads";
import { describeError } from "../../lib/errors";
import { formatDateTime } from "../../lib/format";
import { useRoleAtLeast } from "../../lib/session";
import { useTRPC } from "../../lib/trpc";
import { RestoreWizard } from "../restore/RestoreWizard";
import type { RestoreSource } from "../restore/restoreForm";
import { Breadcrumbs } from "./Breadcrumbs";
import { type Archive, DirectoryListing } from "./DirectoryListing";
import { FindPanel } from "./FindPanel";
import { SelectionBar } from "./SelectionBar";
import { useSelection } from "./selection";

export function SnapshotBrowserPage() {
  const { id = "", snapshotId = "" } = useParams();
  // Another snapshot starts with nothing picked.
  return <SnapshotBrowser key={`${id}/${snapshotId}`} repositoryId={id} snapshotId={snapshotId} />;
}

function SnapshotBrowser({
  repositoryId,
  snapshotId,
}: {
  repositoryId: string;
  snapshotId: string;
}) {
  const trpc = useTRPC();
  const canOperate = useRoleAtLeast("operator");
  const [search, setSearch] = useSearchParams();
  const path = search.get("path") || "/";
  const preferHostId = search.get("host") || undefined;
  const pattern = search.get("find") ?? "";
  const selection = useSelection();
  const [restoring, setRestoring] = useState(false);
  const download = useDownload();
  // The list the snapshots page showed (unfiltered), for this snapshot's host and time.
  const list = useQuery(trpc.snapshots.list.queryOptions({ repositoryId }));
  const snapshot = list.data?.snapshots.find((s) => s.id === snapshotId);
  const hostName = snapshot?.hostName ?? snapshot?.hostname;
  const source: RestoreSource | undefined =
    snapshot || list.data
      ? {
          repositoryId,
          snapshotId,
          shortId: snapshot?.shortId ?? snapshotId.slice(0, 8),
          time: snapshot ? new Date(snapshot.time) : undefined,
          // A snapshot made outside the product names no host: its reader restores it.
          hostId: snapshot?.hostId ?? preferHostId ?? list.data?.reader.hostId ?? "",
          hostName: hostName ?? list.data?.reader.hostName ?? "",
        }
      : undefined;

  const linkTo = (to: string) => {
    const next = new URLSearchParams(search);
    next.delete("find");
    if (to === "/") next.delete("path");
    else next.set("path", to);
    return `?${next.toString()}`;
  };
  const setPattern = (value: string) => {
    const next = new URLSearchParams(search);
    if (value) next.set("find", value);
    else next.delete("find");
    setSearch(next);
  };
  const onDownload = (itemPath: string, archive?: Archive) =>
    download.mutate({
      repositoryId,
      snapshotId,
      path: itemPath,
      ...(archive ? { archive } : {}),
      ...(preferHostId ? { preferHostId } : {}),
    });

  return (
    <div data-testid="page-snapshot" data-snapshot-id={snapshotId} className="space-y-4">
      <PageHeader
        title={`Snapshot ${snapshot?.shortId ?? snapshotId.slice(0, 8)}`}
        description={
          <span className="flex flex-wrap items-center gap-x-3 gap-y-1">
            {snapshot ? (
              <span data-testid="snapshot-facts">
                {hostName} · {formatDateTime(new Date(snapshot.time))}
                {snapshot.backupSetName ? ` · ${snapshot.backupSetName}` : ""}
              </span>
            ) : null}
            <Link
              to={`/repositories/${repositoryId}/snapshots`}
              className="text-teal-700 hover:underline dark:text-teal-300"
            >
              All snapshots
            </Link>
          </span>
        }
      />
      {list.error ? <Alert tone="error">{describeError(list.error).message}</Alert> : null}
      {download.error ? (
        <Alert tone="error" title="The download did not start" data-testid="download-error">
          {describeError(download.error).message}
        </Alert>
      ) : null}
      <SelectionBar
        selection={selection}
        canRestore={canOperate && source !== undefined}
        onRestore={() => setRestoring(true)}
      />
      <Card data-testid="snapshot-browser">
        <div className="space-y-4">
          <FindPanel
            key={pattern}
            repositoryId={repositoryId}
            snapshotId={snapshotId}
            preferHostId={preferHostId}
            pattern={pattern}
            onSearch={setPattern}
            selection={selection}
            linkTo={linkTo}
          />
          <Breadcrumbs path={path} linkTo={linkTo} />
          <DirectoryListing
            key={path}
            repositoryId={repositoryId}
            snapshotId={snapshotId}
            path={path}
            preferHostId={preferHostId}
            expectedReader={hostName ?? "an agent that can reach the repository"}
            selection={selection}
            linkTo={linkTo}
            onDownload={canOperate ? onDownload : undefined}
          />
        </div>
      </Card>
      {restoring && source ? (
        <RestoreWizard
          source={source}
          picked={selection.picked}
          onClose={() => setRestoring(false)}
        />
      ) : null}
    </div>
  );
}
