import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "react-router";
import { QueryStatus } from "../../components/QueryStatus";
import { Card } from "../../components/ui/Card";
import { PageHeader } from "../../components/ui/PageHeader";
import type { AlertDetail } from "../../lib/api-types";
import { formatDateTime } from "../../lib/format";
import { useRoleAtLeast } from "../../lib/session";
import { useTRPC } from "../../lib/trpc";
import { AlertActions } from "./AlertActions";
import { SeverityBadge, StateBadge } from "./AlertBadges";
import { AlertDeliveries } from "./AlertDeliveries";
import { AlertHistory } from "./AlertHistory";
import { kindLabel } from "./labels";

const LINK = "text-teal-700 hover:underline dark:text-teal-300";

/** One alert: what it is, what happened to it, and every message sent about it. */
export function AlertPage() {
  const { id = "" } = useParams();
  const trpc = useTRPC();
  const canOperate = useRoleAtLeast("operator");
  const alert = useQuery(trpc.alerts.get.queryOptions({ id }));
  const data = alert.data;

  return (
    <div data-testid="page-alert" data-state={data?.state} className="space-y-6">
      <Link to="/alerts" className={`text-sm ${LINK}`}>
        ← All alerts
      </Link>
      <QueryStatus query={alert} loading="Loading alert…" />
      {data ? (
        <>
          <PageHeader
            title={`${kindLabel(data.kind)}: ${data.subject}`}
            description={
              <span className="flex flex-wrap items-center gap-2">
                <SeverityBadge severity={data.severity} />
                <StateBadge state={data.state} />
                <span>{data.summary}</span>
              </span>
            }
          />
          <AlertFacts alert={data} />
          {canOperate && data.state !== "resolved" ? <AlertActions alert={data} /> : null}
          <AlertHistory events={data.events} />
          <AlertDeliveries deliveries={data.deliveries} />
        </>
      ) : null}
    </div>
  );
}

function AlertFacts({ alert }: { alert: AlertDetail }) {
  const facts: [string, React.ReactNode][] = [
    [
      "Host",
      alert.hostId ? (
        <Link to={`/hosts/${alert.hostId}`} className={LINK}>
          {alert.hostName ?? alert.hostId}
        </Link>
      ) : (
        "none"
      ),
    ],
    ["Seen", `${alert.count} ${alert.count === 1 ? "time" : "times"}`],
    ["First seen", formatDateTime(alert.firstSeenAt)],
    ["Last seen", formatDateTime(alert.lastSeenAt)],
  ];
  if (alert.jobId) {
    facts.push([
      "Job",
      <Link key="job" to={`/jobs/${alert.jobId}`} className={LINK} data-testid="alert-job">
        the job that raised it
      </Link>,
    ]);
  }
  if (alert.acknowledgedAt) {
    facts.push([
      "Acknowledged",
      `${formatDateTime(alert.acknowledgedAt)} by ${alert.acknowledgedBy ?? "someone"}${alert.ackNote ? ` — “${alert.ackNote}”` : ""}`,
    ]);
  }
  if (alert.resolvedAt) {
    facts.push([
      "Resolved",
      `${formatDateTime(alert.resolvedAt)} by ${alert.resolvedBy ?? "system"}`,
    ]);
  }
  if (alert.snoozedUntil && alert.snoozedUntil.getTime() > Date.now()) {
    facts.push(["Reminders snoozed until", formatDateTime(alert.snoozedUntil)]);
  }
  return (
    <Card data-testid="alert-facts">
      <dl className="grid gap-x-6 gap-y-3 text-sm sm:grid-cols-2 lg:grid-cols-3">
        {facts.map(([label, value]) => (
          <div key={label}>
            <dt className="text-xs font-medium tracking-wide text-slate-500 uppercase">{label}</dt>
            <dd className="mt-0.5 text-slate-800 dark:text-slate-200">{value}</dd>
          </div>
        ))}
      </dl>
    </Card>
  );
}
