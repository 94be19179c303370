import {
  ALERT_SEVERITIES,
  ALERT_STATES,
  narrow,
  type TAlertEvent,
  type TAlertSeverity,
  type TAlertState,
  type TWebhookAlert,
} from "@restic-manager/contracts";

/**
 * What a channel says, whatever its kind: one alert event (or a test), or a digest of held
 * ones. The senders turn a notice into their own wire format; the words are written here once.
 */

export interface AlertFacts {
  id: string;
  kind: string;
  severity: TAlertSeverity;
  state: TAlertState;
  host: { id: string; name: string } | null;
  /** Where there is no host (a repository's lock, say): what the alert is about instead. */
  place: string;
  subject: string;
  summary: string;
  count: number;
  firstSeenAt: Date;
  lastSeenAt: Date;
  acknowledgedAt: Date | null;
  acknowledgedBy: string | null;
  ackNote: string | null;
  resolvedAt: Date | null;
  resolvedBy: string | null;
}

export interface DigestEntry {
  alert: AlertFacts;
  /** The held events, oldest first. */
  events: TAlertEvent[];
}

export type Notice =
  | { type: "alert"; event: TAlertEvent | "test"; deliveryId: string; alert: AlertFacts }
  | { type: "digest"; deliveryId: string; entries: DigestEntry[] };

/** What every sender needs besides the notice and the channel's settings. */
export interface NoticeContext {
  /** The web app's address, for links; its host names the Message-IDs. */
  publicUrl: string;
  now: Date;
}

export function alertUrl(publicUrl: string, alertId: string): string {
  return `${publicUrl}/alerts/${encodeURIComponent(alertId)}`;
}

/** The alert as a row holds it, plus the names of its host and repository. */
export interface AlertRowFacts {
  id: string;
  kind: string;
  severity: string;
  state: string;
  hostId: string | null;
  subject: string;
  summary: string;
  count: number;
  firstSeenAt: Date;
  lastSeenAt: Date;
  acknowledgedAt: Date | null;
  acknowledgedBy: string | null;
  ackNote: string | null;
  resolvedAt: Date | null;
  resolvedBy: string | null;
}

export function alertFacts(
  row: AlertRowFacts,
  names: { hostName: string | null; repositoryName: string | null },
): AlertFacts {
  return {
    id: row.id,
    kind: row.kind,
    severity: narrow(ALERT_SEVERITIES, row.severity),
    state: narrow(ALERT_STATES, row.state),
    host: row.hostId && names.hostName ? { id: row.hostId, name: names.hostName } : null,
    place: names.hostName ?? names.repositoryName ?? "restic-manager",
    subject: row.subject,
    summary: row.summary,
    count: row.count,
    firstSeenAt: row.firstSeenAt,
    lastSeenAt: row.lastSeenAt,
    acknowledgedAt: row.acknowledgedAt,
    acknowledgedBy: row.acknowledgedBy,
    ackNote: row.ackNote,
    resolvedAt: row.resolvedAt,
    resolvedBy: row.resolvedBy,
  };
}

/** The alert of a test message and of previews: made up, and says so. */
export function sampleAlert(now: Date, event: TAlertEvent | "test"): AlertFacts {
  const raisedAt = new Date(now.getTime() - 20 * 60_000);
  const acknowledged = event === "acknowledged" || event === "resolved";
  return {
    id: "sample",
    kind: event === "test" ? "test" : "job_failed",
    severity: event === "test" ? "info" : "critical",
    state: event === "resolved" ? "resolved" : event === "acknowledged" ? "acknowledged" : "raised",
    host: { id: "sample", name: "web1" },
    place: "web1",
    subject: event === "test" ? "a test message" : "backup of documents on web1",
    summary:
      event === "test"
        ? "This is a test message from restic-manager: the channel works."
        : "restic backup failed: Fatal: unable to open repository (connection refused)",
    count: 2,
    firstSeenAt: raisedAt,
    lastSeenAt: now,
    acknowledgedAt: acknowledged ? now : null,
    acknowledgedBy: acknowledged ? "alice" : null,
    ackNote: acknowledged ? "looking into it" : null,
    resolvedAt: event === "resolved" ? now : null,
    resolvedBy: event === "resolved" ? "system" : null,
  };
}

// ── Words ───────────────────────────────────────────────────────────────────────────

/** `[<severity>] <host>: <kind>`: the e-mail subject after its prefix, the ntfy title. */
export function alertTitle(alert: AlertFacts): string {
  return `[${alert.severity}] ${alert.place}: ${alert.kind}`;
}

export function digestTitle(entries: DigestEntry[]): string {
  const n = entries.length;
  return `Digest: ${n} alert${n === 1 ? "" : "s"}`;
}

/** The most severe alert a digest holds decides its priority. */
export function digestSeverity(entries: DigestEntry[]): TAlertSeverity {
  const rank = (s: TAlertSeverity) => ALERT_SEVERITIES.indexOf(s);
  return entries.reduce<TAlertSeverity>(
    (worst, e) => (rank(e.alert.severity) > rank(worst) ? e.alert.severity : worst),
    "info",
  );
}

function when(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

function headline(event: TAlertEvent | "test", alert: AlertFacts): string {
  switch (event) {
    case "raised":
      return `Raised: ${alert.subject}`;
    case "acknowledged":
      return `Acknowledged by ${alert.acknowledgedBy ?? "someone"}: ${alert.subject}`;
    case "resolved":
      return `Resolved: ${alert.subject}`;
    case "reminder":
      return `Still open: ${alert.subject}`;
    case "test":
      return "Test message from restic-manager";
    default: {
      const exhaustive: never = event;
      return exhaustive;
    }
  }
}

function factLines(alert: AlertFacts): string[] {
  const lines = [
    `Severity: ${alert.severity}`,
    `Kind: ${alert.kind}`,
    `Host: ${alert.host?.name ?? "-"}`,
    `State: ${alert.state}`,
    `Seen: ${alert.count} time${alert.count === 1 ? "" : "s"}, first ${when(alert.firstSeenAt)}, last ${when(alert.lastSeenAt)}`,
  ];
  if (alert.acknowledgedAt) {
    const note = alert.ackNote ? ` (${alert.ackNote})` : "";
    lines.push(
      `Acknowledged: ${when(alert.acknowledgedAt)} by ${alert.acknowledgedBy ?? "-"}${note}`,
    );
  }
  if (alert.resolvedAt) {
    lines.push(`Resolved: ${when(alert.resolvedAt)} by ${alert.resolvedBy ?? "-"}`);
  }
  return lines;
}

/** The plain-text body of one alert event: e-mail and ntfy say the same. */
export function alertText(
  event: TAlertEvent | "test",
  alert: AlertFacts,
  publicUrl: string,
): string {
  return [
    headline(event, alert),
    "",
    alert.summary,
    "",
    ...factLines(alert),
    "",
    event === "test" ? publicUrl : alertUrl(publicUrl, alert.id),
    "",
  ].join("\n");
}

/** One summary of every held alert, each with the events it went through. */
export function digestText(entries: DigestEntry[], publicUrl: string): string {
  const lines = [`restic-manager held ${entries.length} alert(s) for this digest.`, ""];
  for (const { alert, events } of entries) {
    lines.push(`- ${alertTitle(alert)} (${events.join(" → ")}; now ${alert.state})`);
    lines.push(`  ${alert.subject}`);
    lines.push(`  ${alert.summary}`);
    lines.push(`  ${alertUrl(publicUrl, alert.id)}`);
    lines.push("");
  }
  return lines.join("\n");
}

/** An alert in the webhook's versioned body (see ZWebhookBody). */
export function webhookAlert(alert: AlertFacts, publicUrl: string): TWebhookAlert {
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  return {
    id: alert.id,
    kind: alert.kind,
    severity: alert.severity,
    state: alert.state,
    host: alert.host,
    subject: alert.subject,
    summary: alert.summary,
    count: alert.count,
    firstSeenAt: alert.firstSeenAt.toISOString(),
    lastSeenAt: alert.lastSeenAt.toISOString(),
    acknowledgedAt: iso(alert.acknowledgedAt),
    acknowledgedBy: alert.acknowledgedBy,
    ackNote: alert.ackNote,
    resolvedAt: iso(alert.resolvedAt),
    resolvedBy: alert.resolvedBy,
    url: alertUrl(publicUrl, alert.id),
  };
}
