import { useQueries } from "@tanstack/react-query";
import { Download, File, Folder, Link2 } from "lucide-react";
import { useState } from "react";
import { Link } from "react-router";
import { Alert } from "../../components/ui/Alert";
import { Button } from "../../components/ui/Button";
import { Table, Td, Th } from "../../components/ui/Table";
import type { BrowseEntry } from "../../lib/api-types";
import { describeError } from "../../lib/errors";
import { formatBytes, formatCountOf, formatDateTime, formatMode } from "../../lib/format";
import { joinPath } from "../../lib/snapshotPaths";
import { useTRPC } from "../../lib/trpc";
import { ReadBy } from "./ReadBy";
import type { Selection } from "./selection";

export type Archive = "zip" | "tar";

export interface DirectoryListingProps {
  repositoryId: string;
  snapshotId: string;
  path: string;
  preferHostId: string | undefined;
  /** The host expected to read, named while the first answer is awaited. */
  expectedReader: string;
  selection: Selection;
  linkTo: (path: string) => string;
  /** Absent for users who may not read file contents. */
  onDownload: ((path: string, archive?: Archive) => void) | undefined;
}

/** Folders first, then files, each by name. */
function byTypeThenName(a: BrowseEntry, b: BrowseEntry): number {
  const rank = (entry: BrowseEntry) => (entry.type === "dir" ? 0 : 1);
  return rank(a) - rank(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/**
 * One folder of a snapshot, a page at a time: the agent answers at most 5000 entries per call,
 * and says how many there are.
 */
export function DirectoryListing(props: DirectoryListingProps) {
  const trpc = useTRPC();
  const [offsets, setOffsets] = useState([0]);
  const pages = useQueries({
    queries: offsets.map((offset) => ({
      ...trpc.snapshots.browse.queryOptions({
        repositoryId: props.repositoryId,
        snapshotId: props.snapshotId,
        path: props.path,
        offset,
        preferHostId: props.preferHostId,
      }),
      // A snapshot never changes.
      staleTime: Number.POSITIVE_INFINITY,
    })),
  });
  const first = pages[0];
  if (!first || first.isPending) {
    return (
      <p className="text-sm text-slate-500 dark:text-slate-400" data-testid="browser-loading">
        Reading the snapshot's file list on {props.expectedReader}… The first look at a big snapshot
        lists all of it and can take a while.
      </p>
    );
  }
  if (first.error) return <Alert tone="error">{describeError(first.error).message}</Alert>;
  const loaded = pages.flatMap((page) => page.data?.entries ?? []);
  const entries = loaded.toSorted(byTypeThenName);
  const total = first.data.total;
  const last = pages.at(-1);
  const nextOffset = last?.data ? last.data.offset + last.data.entries.length : undefined;
  const loadingMore = pages.some((page) => page.isPending);
  const moreError = pages.find((page) => page.error)?.error;

  return (
    <div className="space-y-3">
      <p className="text-xs text-slate-500 dark:text-slate-400" data-testid="browser-count">
        {total > loaded.length
          ? `${formatCountOf(loaded.length, "entry", "entries")} of ${total} shown. `
          : `${formatCountOf(total, "entry", "entries")}. `}
        <ReadBy reader={first.data.reader} />
        {first.data.cached ? "." : ", who listed this snapshot just now."}
      </p>
      {entries.length === 0 ? (
        <p className="text-sm text-slate-500 dark:text-slate-400" data-testid="browser-empty">
          This folder is empty.
        </p>
      ) : (
        <EntriesTable {...props} entries={entries} />
      )}
      {moreError ? <Alert tone="error">{describeError(moreError).message}</Alert> : null}
      {nextOffset !== undefined && nextOffset < total ? (
        <div className="flex justify-center">
          <Button
            data-testid="browser-load-more"
            disabled={loadingMore}
            onClick={() => setOffsets((current) => [...current, nextOffset])}
          >
            {loadingMore ? "Loading…" : `Load more (${total - loaded.length} left)`}
          </Button>
        </div>
      ) : null}
    </div>
  );
}

function EntriesTable({
  entries,
  path,
  selection,
  linkTo,
  onDownload,
}: DirectoryListingProps & { entries: BrowseEntry[] }) {
  return (
    <Table data-testid="browser-table">
      <thead>
        <tr>
          <Th className="w-8">
            <span className="sr-only">Pick</span>
          </Th>
          <Th>Name</Th>
          <Th className="text-right">Size</Th>
          <Th>Mode</Th>
          <Th>Modified</Th>
          {onDownload ? <Th className="text-right">Download</Th> : null}
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-200 dark:divide-slate-800">
        {entries.map((entry) => {
          const full = joinPath(path, entry.name);
          return (
            <tr
              key={entry.name}
              data-testid="entry-row"
              data-name={entry.name}
              data-type={entry.type}
            >
              <Td>
                <input
                  type="checkbox"
                  aria-label={`Pick ${entry.name}`}
                  data-testid="entry-pick"
                  checked={selection.picked.has(full)}
                  onChange={(event) => selection.toggle(full, entry.type, event.target.checked)}
                  className="size-4 accent-teal-600 dark:accent-teal-500"
                />
              </Td>
              <Td className="min-w-56">
                <EntryName entry={entry} to={linkTo(full)} />
              </Td>
              <Td className="text-right whitespace-nowrap tabular-nums">
                {entry.type === "file" ? formatBytes(entry.size) : ""}
              </Td>
              <Td className="font-mono text-xs whitespace-nowrap">
                {formatMode(entry.type, entry.mode)}
              </Td>
              <Td className="whitespace-nowrap">
                {entry.mtime ? formatDateTime(new Date(entry.mtime)) : "—"}
              </Td>
              {onDownload ? (
                <Td className="text-right whitespace-nowrap">
                  <EntryDownload
                    entry={entry}
                    onDownload={(archive) => onDownload(full, archive)}
                  />
                </Td>
              ) : null}
            </tr>
          );
        })}
      </tbody>
    </Table>
  );
}

function EntryName({ entry, to }: { entry: BrowseEntry; to: string }) {
  if (entry.type === "dir") {
    return (
      <Link
        to={to}
        data-testid="entry-open"
        className="inline-flex items-center gap-2 font-medium text-teal-700 hover:underline dark:text-teal-300"
      >
        <Folder className="size-4 shrink-0" aria-hidden />
        <span className="break-all">{entry.name}</span>
      </Link>
    );
  }
  const Icon = entry.type === "symlink" ? Link2 : File;
  return (
    <span className="inline-flex items-center gap-2 text-slate-800 dark:text-slate-200">
      <Icon className="size-4 shrink-0 text-slate-400" aria-hidden />
      <span className="break-all">{entry.name}</span>
    </span>
  );
}

function EntryDownload({
  entry,
  onDownload,
}: {
  entry: BrowseEntry;
  onDownload: (archive?: Archive) => void;
}) {
  if (entry.type === "file") {
    return (
      <Button
        size="sm"
        variant="ghost"
        data-testid="entry-download"
        aria-label={`Download ${entry.name}`}
        title="Download"
        onClick={() => onDownload()}
      >
        <Download className="size-4" aria-hidden />
      </Button>
    );
  }
  if (entry.type !== "dir") return null;
  return (
    <span className="inline-flex gap-1">
      {(["zip", "tar"] as const).map((archive) => (
        <Button
          key={archive}
          size="sm"
          variant="ghost"
          data-testid={`entry-download-${archive}`}
          aria-label={`Download ${entry.name} as ${archive}`}
          title={`Download as .${archive}`}
          onClick={() => onDownload(archive)}
        >
          <Download className="size-3.5" aria-hidden />.{archive}
        </Button>
      ))}
    </span>
  );
}
