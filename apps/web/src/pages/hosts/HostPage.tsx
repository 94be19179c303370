import { SCHEDULES_PROTOCOL } from "@restic-manager/contracts";
import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "react-router";
import { OnlineDot } from "../../components/OnlineDot";
import { Alert } from "../../components/ui/Alert";
import { Badge } from "../../components/ui/Badge";
import { PageHeader } from "../../components/ui/PageHeader";
import { describeError } from "../../lib/errors";
import { useRoleAtLeast } from "../../lib/session";
import { useTRPC } from "../../lib/trpc";
import { HostBackupSets } from "../backupSets/HostBackupSets";
import { HostAgentNotices } from "./HostAgentNotices";
import { HostAlertsCard } from "./HostAlertsCard";
import { HostDangerZone } from "./HostDangerZone";
import { HostRecentJobs } from "./HostRecentJobs";
import { HostRestoreCard } from "./HostRestoreCard";
import { HostSummary } from "./HostSummary";
import { RunOperationCard } from "./operations/RunOperationCard";

export function HostPage() {
  const { id = "" } = useParams();
  const trpc = useTRPC();
  const canOperate = useRoleAtLeast("operator");
  const isAdmin = useRoleAtLeast("admin");
  const host = useQuery(trpc.hosts.get.queryOptions({ id }));

  if (host.error) {
    return (
      <div data-testid="page-host" className="space-y-4">
        <Alert tone="error">{describeError(host.error).message}</Alert>
        <Link to="/hosts" className="text-sm text-teal-700 underline dark:text-teal-300">
          Back to hosts
        </Link>
      </div>
    );
  }
  if (!host.data) return <p className="text-sm text-slate-500">Loading host…</p>;
  const data = host.data;
  const revoked = data.revokedAt !== null;

  return (
    <div data-testid="page-host" className="space-y-6">
      <PageHeader
        title={data.name}
        description={
          <span className="flex flex-wrap items-center gap-x-3 gap-y-1">
            <OnlineDot online={data.online} revoked={revoked} />
            <span>
              {data.hostname} · {data.os}/{data.arch}
            </span>
            {revoked ? <Badge tone="danger">revoked</Badge> : null}
          </span>
        }
      />
      <HostSummary host={data} />
      {revoked ? null : <HostAgentNotices host={data} isAdmin={isAdmin} />}
      {data.protocolVersion !== null && data.protocolVersion < SCHEDULES_PROTOCOL ? (
        <Alert tone="warning" title="Schedules do not run here" data-testid="host-agent-too-old">
          This agent is too old to run schedules: upgrade it. Jobs started from the server still
          work.
        </Alert>
      ) : null}
      <HostBackupSets hostId={data.id} revoked={revoked} />
      {canOperate && !revoked ? <RunOperationCard hostId={data.id} /> : null}
      <HostRestoreCard host={data} />
      <HostRecentJobs hostId={data.id} />
      {isAdmin ? <HostAlertsCard hostId={data.id} timeZone={data.timeZone} /> : null}
      {isAdmin ? <HostDangerZone host={data} /> : null}
    </div>
  );
}
