import type { TJobResult } from "@restic-manager/contracts";
import { formatBytes, formatCountOf } from "../../../lib/format";
import { BackupResult, RestoreResult } from "./BackupResult";
import { DrillResult } from "./DrillResult";
import { Figures, Mono, ResultNote } from "./Figures";
import { DiffResult, LsResult } from "./FileResults";
import { ForgetResult, PruneReport } from "./ForgetResult";
import { CheckResult, HealthResult, LocksResult, StatsResult } from "./RepositoryResults";
import { SnapshotsTable } from "./SnapshotsTable";

/** A readable rendering of what a finished job reported, one view per kind. */
export function JobResultView({ result }: { result: TJobResult }) {
  switch (result.kind) {
    case "backup":
      return <BackupResult result={result} />;
    case "restore":
      return <RestoreResult result={result} />;
    case "snapshots":
      return <SnapshotsTable snapshots={result.snapshots} />;
    case "forget":
      return <ForgetResult result={result} />;
    case "prune":
      return <PruneReport report={result.report} />;
    case "check":
      return <CheckResult result={result} />;
    case "stats":
      return <StatsResult result={result} />;
    case "ls":
      return <LsResult result={result} />;
    case "diff":
      return <DiffResult result={result} />;
    case "list-locks":
      return <LocksResult result={result} />;
    case "health":
      return <HealthResult result={result} />;
    case "drill":
      return <DrillResult result={result} />;
    case "init":
      return (
        <ResultNote>
          Repository created, id <Mono>{result.repositoryId}</Mono>.
        </ResultNote>
      );
    case "unlock":
      return <ResultNote>Removed {formatCountOf(result.removedLocks, "lock")}.</ResultNote>;
    case "dump":
      return (
        <ResultNote>
          Wrote {formatBytes(result.sizeBytes)}
          {result.target ? (
            <>
              {" "}
              to <Mono>{result.target}</Mono>
            </>
          ) : null}
          .
        </ResultNote>
      );
    case "cat-config":
      return (
        <Figures
          items={[
            ["Repository id", <Mono key="id">{result.config.id}</Mono>],
            ["Format version", String(result.config.version)],
            ["Chunker polynomial", <Mono key="poly">{result.config.chunkerPolynomial}</Mono>],
          ]}
        />
      );
    case "version":
      return (
        <Figures
          items={[
            ["restic", result.version],
            ["Go", result.goVersion ?? "—"],
            ["Platform", [result.os, result.arch].filter(Boolean).join("/") || "—"],
          ]}
        />
      );
    default: {
      const unknownResult: never = result;
      return unknownResult;
    }
  }
}
