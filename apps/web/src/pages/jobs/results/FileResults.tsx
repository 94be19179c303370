import type { TDiffResult, TLsResult } from "@restic-manager/contracts";
import { Table, Td, Th } from "../../../components/ui/Table";
import { formatBytes, formatCount, formatCountOf, formatDateTime } from "../../../lib/format";
import { Figures, Mono, moreThan, ResultNote } from "./Figures";

const SHOWN = 1000;

export function LsResult({ result }: { result: TLsResult }) {
  const more = moreThan(result.nodes.length, SHOWN);
  return (
    <div className="space-y-3" data-testid="ls-result">
      <ResultNote>
        Snapshot <Mono>{result.snapshot.shortId}</Mono> of {result.snapshot.hostname}:{" "}
        {formatCountOf(result.nodes.length, "entry", "entries")}. {more}
      </ResultNote>
      <Table data-testid="ls-table">
        <thead>
          <tr>
            <Th>Path</Th>
            <Th>Type</Th>
            <Th className="text-right">Size</Th>
            <Th>Modified</Th>
            <Th>Permissions</Th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-200 dark:divide-slate-800">
          {result.nodes.slice(0, SHOWN).map((node) => (
            <tr key={node.path} data-testid="ls-row">
              <Td className="min-w-64 font-mono text-xs break-all">
                {node.path}
                {node.linkTarget ? ` → ${node.linkTarget}` : ""}
              </Td>
              <Td>{node.type}</Td>
              <Td className="text-right whitespace-nowrap">
                {node.type === "file" ? formatBytes(node.size) : ""}
              </Td>
              <Td className="whitespace-nowrap">
                {node.mtime ? formatDateTime(new Date(node.mtime)) : "—"}
              </Td>
              <Td className="font-mono text-xs">{node.permissions ?? "—"}</Td>
            </tr>
          ))}
        </tbody>
      </Table>
    </div>
  );
}

const MODIFIERS: Record<string, { label: string; className: string }> = {
  "+": { label: "added", className: "text-emerald-700 dark:text-emerald-400" },
  "-": { label: "removed", className: "text-red-700 dark:text-red-400" },
  M: { label: "modified", className: "text-amber-700 dark:text-amber-400" },
  T: { label: "type changed", className: "text-amber-700 dark:text-amber-400" },
  U: { label: "metadata", className: "text-slate-500" },
};

export function DiffResult({ result }: { result: TDiffResult }) {
  const { statistics: stats } = result;
  const more = moreThan(result.changes.length, SHOWN);
  return (
    <div className="space-y-4" data-testid="diff-result">
      <ResultNote>
        From <Mono>{stats.sourceSnapshot}</Mono> to <Mono>{stats.targetSnapshot}</Mono>. {more}
      </ResultNote>
      <Figures
        items={[
          ["Changed files", formatCount(stats.changedFiles)],
          ["Added", `${formatCount(stats.added.files)} files, ${formatBytes(stats.added.bytes)}`],
          [
            "Removed",
            `${formatCount(stats.removed.files)} files, ${formatBytes(stats.removed.bytes)}`,
          ],
        ]}
      />
      {result.changes.length > 0 ? (
        <ul
          className="max-h-96 overflow-auto rounded-md border border-slate-200 py-2 font-mono text-xs dark:border-slate-800"
          data-testid="diff-changes"
        >
          {result.changes.slice(0, SHOWN).map((change) => {
            const style = MODIFIERS[change.modifier];
            return (
              <li key={`${change.modifier}${change.path}`} className="flex gap-3 px-3 py-0.5">
                <span
                  className={`w-4 shrink-0 font-semibold ${style?.className ?? ""}`}
                  title={style?.label ?? change.modifier}
                >
                  {change.modifier}
                </span>
                <span className="min-w-0 break-all">{change.path}</span>
              </li>
            );
          })}
        </ul>
      ) : (
        <ResultNote>No differences.</ResultNote>
      )}
    </div>
  );
}
