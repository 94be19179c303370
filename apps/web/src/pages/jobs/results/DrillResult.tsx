import type { TDrillResult } from "@restic-manager/contracts";
import { formatBytes } from "../../../lib/format";
import { Figures, Mono, moreThan, ResultNote } from "./Figures";

const SHOWN = 200;

/** What a restore drill checked: the sample, and each file's verdict. */
export function DrillResult({ result }: { result: TDrillResult }) {
  const more = moreThan(result.files.length, SHOWN);
  return (
    <div className="space-y-4" data-testid="drill-result">
      <Figures
        items={[
          ["Snapshot", <Mono key="snapshot">{result.snapshotId.slice(0, 8)}</Mono>],
          ["Files checked", `${result.filesChecked} of ${result.filesInSnapshot}`],
          ["Bytes checked", formatBytes(result.bytesChecked)],
          ["Did not verify", String(result.failures)],
        ]}
      />
      {result.restoreError ? <ResultNote>restic: {result.restoreError}</ResultNote> : null}
      <table className="w-full text-left text-sm">
        <thead className="text-xs text-slate-500 uppercase dark:text-slate-400">
          <tr>
            <th className="py-1 pr-3 font-medium">File</th>
            <th className="py-1 pr-3 font-medium">Size</th>
            <th className="py-1 font-medium">Verdict</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-200 dark:divide-slate-800">
          {result.files.slice(0, SHOWN).map((file) => (
            <tr key={file.path}>
              <td className="py-1 pr-3">
                <Mono>{file.path}</Mono>
              </td>
              <td className="py-1 pr-3 tabular-nums">{formatBytes(file.size)}</td>
              <td className="py-1">{file.ok ? "verified" : (file.problem ?? "did not verify")}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {more ? <ResultNote>{more}</ResultNote> : null}
    </div>
  );
}
