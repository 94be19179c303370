import type { ReactNode } from "react";
import { Card } from "../../components/ui/Card";
import type { HostDetail } from "../../lib/api-types";
import { formatDateTime } from "../../lib/format";
import { LastBackup, LastSeen, ResticVersion } from "./HostFacts";

/** The facts the agent reported about its endpoint, and its backup status. */
export function HostSummary({ host }: { host: HostDetail }) {
  return (
    <Card data-testid="host-summary">
      <dl className="grid grid-cols-2 gap-x-6 gap-y-4 lg:grid-cols-4">
        <Fact label="Agent">
          <span className="font-mono text-xs" data-testid="host-agent-version">
            {host.agentVersion}
          </span>
          <span className="block text-xs text-slate-500">
            protocol {host.protocolVersion ?? "—"}
          </span>
        </Fact>
        <Fact label="restic">
          <ResticVersion version={host.resticVersion} problem={host.resticProblem} />
        </Fact>
        <Fact label="Last backup">
          <LastBackup host={host} />
        </Fact>
        <Fact label="Last seen">
          <LastSeen online={host.online} lastSeenAt={host.lastSeenAt} />
        </Fact>
        <Fact label="Time zone">
          <span data-testid="host-time-zone">{host.timeZone ?? "not reported"}</span>
        </Fact>
        <Fact label="Enrolled">{formatDateTime(host.createdAt)}</Fact>
        {host.revokedAt ? <Fact label="Revoked">{formatDateTime(host.revokedAt)}</Fact> : null}
      </dl>
    </Card>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="min-w-0 space-y-1">
      <dt className="text-xs font-medium tracking-wide text-slate-500 uppercase dark:text-slate-400">
        {label}
      </dt>
      <dd className="text-sm text-slate-800 dark:text-slate-200">{children}</dd>
    </div>
  );
}
