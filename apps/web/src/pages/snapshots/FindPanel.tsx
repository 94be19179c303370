import { useQuery } from "@tanstack/react-query";
import { Search } from "lucide-react";
import { type FormEvent, useState } from "react";
import { Link } from "react-router";
import { QueryStatus } from "../../components/QueryStatus";
import { Button } from "../../components/ui/Button";
import { Table, Td, Th } from "../../components/ui/Table";
import { formatBytes, formatCountOf, formatDateTime } from "../../lib/format";
import { parentPath } from "../../lib/snapshotPaths";
import { useTRPC } from "../../lib/trpc";
import type { Selection } from "./selection";

interface FindPanelProps {
  repositoryId: string;
  snapshotId: string;
  preferHostId: string | undefined;
  /** The pattern searched for, kept in the address bar; empty: no search. */
  pattern: string;
  onSearch: (pattern: string) => void;
  selection: Selection;
  linkTo: (path: string) => string;
}

/** Finds files and folders by name anywhere in the snapshot (a glob such as `*.pdf`). */
export function FindPanel(props: FindPanelProps) {
  const [typed, setTyped] = useState(props.pattern);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    props.onSearch(typed.trim());
  };

  return (
    <div className="space-y-3">
      <form onSubmit={submit} className="flex gap-2" data-testid="find-form">
        <label className="sr-only" htmlFor="find-pattern">
          Find by name
        </label>
        <input
          id="find-pattern"
          type="search"
          value={typed}
          onChange={(event) => setTyped(event.target.value)}
          placeholder="Find by name, e.g. *.pdf or report*"
          data-testid="find-pattern"
          className="block w-full max-w-md rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm dark:border-slate-700 dark:bg-slate-900"
        />
        <Button type="submit" data-testid="find-submit">
          <Search className="size-4" aria-hidden />
          Find
        </Button>
        {props.pattern ? (
          <Button
            variant="ghost"
            onClick={() => {
              setTyped("");
              props.onSearch("");
            }}
          >
            Clear
          </Button>
        ) : null}
      </form>
      {props.pattern ? <FindResults {...props} /> : null}
    </div>
  );
}

function FindResults({
  repositoryId,
  snapshotId,
  preferHostId,
  pattern,
  selection,
  linkTo,
}: FindPanelProps) {
  const trpc = useTRPC();
  const find = useQuery({
    ...trpc.snapshots.find.queryOptions({ repositoryId, snapshotId, pattern, preferHostId }),
    staleTime: Number.POSITIVE_INFINITY,
  });
  if (!find.data) return <QueryStatus query={find} loading={`Searching for ${pattern}…`} />;
  const { matches } = find.data;
  return (
    <div className="space-y-2" data-testid="find-results" data-count={matches.length}>
      <p className="text-sm text-slate-600 dark:text-slate-300">
        {formatCountOf(matches.length, "match", "matches")} for <code>{pattern}</code>
        {find.data.truncated ? ": only the first ones are listed, narrow the pattern." : "."}
      </p>
      {matches.length > 0 ? (
        <Table data-testid="find-table">
          <thead>
            <tr>
              <Th className="w-8">
                <span className="sr-only">Pick</span>
              </Th>
              <Th>Path</Th>
              <Th className="text-right">Size</Th>
              <Th>Modified</Th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-200 dark:divide-slate-800">
            {matches.map((match) => (
              <tr key={match.path} data-testid="find-row" data-path={match.path}>
                <Td>
                  <input
                    type="checkbox"
                    aria-label={`Pick ${match.path}`}
                    data-testid="find-pick"
                    checked={selection.picked.has(match.path)}
                    onChange={(event) =>
                      selection.toggle(match.path, match.type, event.target.checked)
                    }
                    className="size-4 accent-teal-600 dark:accent-teal-500"
                  />
                </Td>
                <Td className="font-mono text-xs break-all">
                  <Link
                    to={linkTo(match.type === "dir" ? match.path : parentPath(match.path))}
                    className="text-teal-700 hover:underline dark:text-teal-300"
                    title={match.type === "dir" ? "Open this folder" : "Open its folder"}
                  >
                    {match.path}
                  </Link>
                </Td>
                <Td className="text-right whitespace-nowrap tabular-nums">
                  {match.type === "file" ? formatBytes(match.size) : match.type}
                </Td>
                <Td className="whitespace-nowrap">
                  {match.mtime ? formatDateTime(new Date(match.mtime)) : "—"}
                </Td>
              </tr>
            ))}
          </tbody>
        </Table>
      ) : null}
    </div>
  );
}
