import { ALERT_EVENTS, narrow } from "@restic-manager/contracts";
import type { Db } from "../db.js";
import {
  type AlertFacts,
  type AlertRowFacts,
  alertFacts,
  type DigestEntry,
  type Notice,
  sampleAlert,
} from "./message.js";

/** The notice a queued delivery carries, read from its alert (or its digest's held alerts). */

type AlertRow = AlertRowFacts & { repositoryId: string | null };

/** Reads the names of the alerts' hosts and repositories at once; returns each alert's facts. */
async function factsReader(db: Db, rows: AlertRow[]): Promise<(row: AlertRow) => AlertFacts> {
  const hostIds = [...new Set(rows.flatMap((r) => (r.hostId ? [r.hostId] : [])))];
  const repositoryIds = [...new Set(rows.flatMap((r) => (r.repositoryId ? [r.repositoryId] : [])))];
  const [hosts, repositories] = await Promise.all([
    db.host.findMany({ where: { id: { in: hostIds } }, select: { id: true, name: true } }),
    db.repository.findMany({
      where: { id: { in: repositoryIds } },
      select: { id: true, name: true },
    }),
  ]);
  const hostName = new Map(hosts.map((h) => [h.id, h.name]));
  const repositoryName = new Map(repositories.map((r) => [r.id, r.name]));
  return (row) =>
    alertFacts(row, {
      hostName: (row.hostId && hostName.get(row.hostId)) || null,
      repositoryName: (row.repositoryId && repositoryName.get(row.repositoryId)) || null,
    });
}

export class MissingAlertError extends Error {
  override name = "MissingAlertError";
}

export async function noticeFor(
  db: Db,
  delivery: { id: string; event: string; alertId: string | null },
  now: Date,
): Promise<Notice> {
  if (delivery.event === "test") {
    // A test the server stopped in the middle of, taken up again after the restart.
    return {
      type: "alert",
      event: "test",
      deliveryId: delivery.id,
      alert: sampleAlert(now, "test"),
    };
  }
  if (delivery.event === "digest") {
    return {
      type: "digest",
      deliveryId: delivery.id,
      entries: await digestEntries(db, delivery.id),
    };
  }
  const alert = delivery.alertId
    ? await db.alert.findUnique({ where: { id: delivery.alertId } })
    : null;
  if (!alert) throw new MissingAlertError("The alert of this message no longer exists");
  const factsOf = await factsReader(db, [alert]);
  return {
    type: "alert",
    event: narrow(ALERT_EVENTS, delivery.event),
    deliveryId: delivery.id,
    alert: factsOf(alert),
  };
}

/** Every held message the digest carries, one entry per alert, in the order they were held. */
async function digestEntries(db: Db, digestId: string): Promise<DigestEntry[]> {
  const held = await db.alertDelivery.findMany({
    where: { digestId },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    select: { event: true, alert: true },
  });
  const alerts = held.flatMap((h) => (h.alert ? [h.alert] : []));
  const factsOf = await factsReader(db, alerts);
  const entries = new Map<string, DigestEntry>();
  for (const { event, alert } of held) {
    if (!alert) continue;
    const entry = entries.get(alert.id) ?? { alert: factsOf(alert), events: [] };
    entry.events.push(narrow(ALERT_EVENTS, event));
    entries.set(alert.id, entry);
  }
  return [...entries.values()];
}
