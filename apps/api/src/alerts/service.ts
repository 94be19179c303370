import { EventEmitter } from "node:events";
import {
  ALERT_KIND_DEFAULTS,
  ALERT_KINDS,
  ALERT_SEVERITIES,
  ALERT_STATES,
  narrow,
  type TAlertEvent,
  type TAlertKind,
  type TAlertSeverity,
} from "@restic-manager/contracts";
import { recordAudit } from "../audit/service.js";
import type { Actor, RequestMeta } from "../auth/actor.js";
import { type Db, directStatements } from "../db.js";
import { AppError, found } from "../errors.js";
import type { Prisma } from "../generated/prisma/client.js";
import type { Logger } from "../logger.js";
import { afterKeyset, decodeCursorOf, keysetOrder, mergeKeyset, pageOf } from "../pagination.js";
import { enqueueDeliveries } from "./deliveries.js";
import { inQuietTime } from "./quiet.js";

export interface AlertServiceOptions {
  db: Db;
  logger: Logger;
  /** Unacknowledged alerts are sent again this often. */
  reminderMs: number;
  /** Called after messages were queued: the delivery worker takes them. */
  onQueued?: () => void;
  now?: () => number;
}

/** What is wrong, for `raise`: the key is kind + host + target. */
export interface Occurrence {
  kind: TAlertKind;
  hostId?: string | null;
  repositoryId?: string | null;
  backupSetId?: string | null;
  jobId?: string | null;
  /** Names the target inside the kind and host (a set, a schedule, a job kind…). */
  target: string;
  subject: string;
  summary: string;
}

export interface Rule {
  enabled: boolean;
  severity: TAlertSeverity;
  threshold: number | null;
}

export function alertKey(kind: string, hostId: string | null | undefined, target: string): string {
  return `${kind}:${hostId ?? "-"}:${target}`;
}

const OPEN = ["raised", "acknowledged"];

/**
 * Alerts: raised once per key while the condition holds (later occurrences bump a counter),
 * acknowledged by a person (who, when, a note; reminders stop), resolved when the condition
 * clears or by hand. Every change is an event in the alert's history and, for raised,
 * acknowledged, resolved and reminders, a message for each channel that routes it.
 */
export class AlertService {
  private readonly db: Db;
  private readonly now: () => number;
  /** Emits when open alerts or their counts may have changed, for the fleet event stream. */
  readonly changes = new EventEmitter<{ changed: [] }>();

  constructor(private readonly options: AlertServiceOptions) {
    this.db = options.db;
    this.now = options.now ?? Date.now;
    this.changes.setMaxListeners(0);
  }

  // ── Rules ───────────────────────────────────────────────────────────────────────

  /** The rule for a kind on a host: the host's override over the fleet's rule over the default. */
  async ruleFor(kind: TAlertKind, hostId?: string | null): Promise<Rule> {
    const [rule, override] = await Promise.all([
      this.db.alertRule.findUnique({ where: { kind } }),
      hostId
        ? this.db.alertOverride.findUnique({ where: { hostId_kind: { hostId, kind } } })
        : null,
    ]);
    const defaults = ALERT_KIND_DEFAULTS[kind];
    return {
      enabled: override?.enabled ?? rule?.enabled ?? true,
      severity: narrow(ALERT_SEVERITIES, override?.severity ?? rule?.severity ?? defaults.severity),
      threshold: override?.threshold ?? rule?.threshold ?? defaults.threshold,
    };
  }

  async listRules() {
    const rows = await this.db.alertRule.findMany();
    const byKind = new Map(rows.map((row) => [row.kind, row]));
    return ALERT_KINDS.map((kind) => {
      const row = byKind.get(kind);
      const defaults = ALERT_KIND_DEFAULTS[kind];
      return {
        kind,
        enabled: row?.enabled ?? true,
        severity: narrow(ALERT_SEVERITIES, row?.severity ?? defaults.severity),
        threshold: row ? row.threshold : defaults.threshold,
        unit: defaults.unit,
      };
    });
  }

  async updateRule(input: Rule & { kind: TAlertKind }, actor: Actor, meta: RequestMeta) {
    if (ALERT_KIND_DEFAULTS[input.kind].unit === null && input.threshold !== null) {
      throw new AppError("BAD_REQUEST", `${input.kind} alerts take no threshold`);
    }
    await this.db.$transaction(async (tx) => {
      const data = { enabled: input.enabled, severity: input.severity, threshold: input.threshold };
      await tx.alertRule.upsert({
        where: { kind: input.kind },
        create: { kind: input.kind, ...data },
        update: data,
      });
      await recordAudit(tx, {
        action: "alert_rule.updated",
        actor,
        target: { type: "alert_rule", id: input.kind, name: input.kind },
        ip: meta.ip,
        details: data,
      });
    });
    return this.listRules();
  }

  // ── Lifecycle ───────────────────────────────────────────────────────────────────

  /**
   * Something is wrong: a new alert, or one more occurrence of the open one with the same key.
   * Nothing is raised when the kind is off for the host, or the host is snoozed or in one of
   * its maintenance windows.
   */
  async raise(
    occurrence: Occurrence,
    options: { bump?: boolean } = {},
  ): Promise<{ id: string; created: boolean } | null> {
    const rule = await this.ruleFor(occurrence.kind, occurrence.hostId);
    if (!rule.enabled) return null;
    const now = new Date(this.now());
    if (occurrence.hostId && (await this.hostIsQuiet(occurrence.hostId, now))) return null;
    const key = alertKey(occurrence.kind, occurrence.hostId, occurrence.target);
    const outcome = await this.db.$transaction(async (tx) => {
      const open = await tx.alert.findUnique({ where: { openKey: key } });
      // A condition checked on a timer (offline, stale) is one occurrence for as long as it lasts.
      if (open && options.bump === false) return { id: open.id, created: false, queued: 0 };
      if (open) {
        await tx.alert.update({
          where: { id: open.id },
          data: {
            count: { increment: 1 },
            lastSeenAt: now,
            summary: occurrence.summary,
            jobId: occurrence.jobId ?? open.jobId,
          },
        });
        await tx.alertEvent.create({
          data: { alertId: open.id, at: now, type: "repeated", note: occurrence.summary },
        });
        return { id: open.id, created: false, queued: 0 };
      }
      const alert = await tx.alert.create({
        data: {
          key,
          openKey: key,
          kind: occurrence.kind,
          severity: rule.severity,
          state: "raised",
          hostId: occurrence.hostId ?? null,
          repositoryId: occurrence.repositoryId ?? null,
          backupSetId: occurrence.backupSetId ?? null,
          jobId: occurrence.jobId ?? null,
          subject: occurrence.subject,
          summary: occurrence.summary,
          firstSeenAt: now,
          lastSeenAt: now,
          lastNotifiedAt: now,
        },
      });
      await tx.alertEvent.create({
        data: { alertId: alert.id, at: now, type: "raised", note: occurrence.summary },
      });
      const queued = await enqueueDeliveries(tx, alert, "raised", now);
      return { id: alert.id, created: true, queued };
    });
    if (outcome.created) {
      this.options.logger.info({ event: "alert.raised", alertId: outcome.id, key });
    }
    if (outcome.created || options.bump !== false) this.changes.emit("changed");
    if (outcome.queued > 0) this.options.onQueued?.();
    return { id: outcome.id, created: outcome.created };
  }

  /** The condition cleared: the open alert with this key (if any) is resolved. */
  async resolveKey(
    kind: TAlertKind,
    hostId: string | null | undefined,
    target: string,
    reason: string,
  ): Promise<boolean> {
    const open = await this.db.alert.findUnique({
      where: { openKey: alertKey(kind, hostId, target) },
      select: { id: true },
    });
    if (!open) return false;
    await this.resolve(open.id, "system", reason);
    return true;
  }

  /**
   * Resolves the open alerts among `keys` with one read: a job's success clears what it may
   * have raised, and a reconnect storm of thousands of agents their offline alerts, in one
   * query per batch rather than one per key.
   */
  async resolveKeys(
    keys: readonly { kind: TAlertKind; hostId: string | null; target: string }[],
    reason: string,
  ): Promise<number> {
    if (keys.length === 0) return 0;
    // Every job's success asks this, and most of the time nothing is open: the server's own
    // statement on the openKey index (see statements.ts), not Prisma.
    const open = await directStatements(this.db).all<{ id: string }>(
      `SELECT "id" FROM "Alert" WHERE "openKey" IN (${keys.map(() => "?").join(", ")})`,
      ...keys.map((key) => alertKey(key.kind, key.hostId, key.target)),
    );
    let resolved = 0;
    for (const alert of open) if (await this.resolve(alert.id, "system", reason)) resolved += 1;
    return resolved;
  }

  /** Resolves every open alert matching `where` (a deleted set's, a returned host's…). */
  async resolveWhere(where: Prisma.AlertWhereInput, reason: string): Promise<number> {
    const open = await this.db.alert.findMany({
      where: { ...where, state: { in: OPEN } },
      select: { id: true },
    });
    for (const alert of open) await this.resolve(alert.id, "system", reason);
    return open.length;
  }

  private async resolve(id: string, by: string, note: string): Promise<boolean> {
    const now = new Date(this.now());
    const queued = await this.db.$transaction(async (tx) => {
      const alert = await tx.alert.findUnique({ where: { id } });
      if (!alert || !OPEN.includes(alert.state)) return null;
      await tx.alert.update({
        where: { id },
        data: { state: "resolved", openKey: null, resolvedAt: now, resolvedBy: by },
      });
      await tx.alertEvent.create({
        data: { alertId: id, at: now, type: "resolved", actor: by, note },
      });
      return enqueueDeliveries(tx, alert, "resolved", now);
    });
    if (queued === null) return false;
    this.changes.emit("changed");
    if (queued > 0) this.options.onQueued?.();
    return true;
  }

  async acknowledge(ids: string[], note: string | undefined, actor: Actor, meta: RequestMeta) {
    const now = new Date(this.now());
    const by = actor.username;
    let acknowledged = 0;
    let queued = 0;
    for (const id of ids) {
      queued += await this.db.$transaction(async (tx) => {
        const alert = await tx.alert.findUnique({ where: { id } });
        if (alert?.state !== "raised") return 0;
        await tx.alert.update({
          where: { id },
          data: {
            state: "acknowledged",
            acknowledgedAt: now,
            acknowledgedBy: by,
            ackNote: note ?? null,
          },
        });
        await tx.alertEvent.create({
          data: { alertId: id, at: now, type: "acknowledged", actor: by, note: note ?? null },
        });
        await recordAudit(tx, {
          action: "alert.acknowledged",
          actor,
          target: { type: "alert", id, name: alert.subject },
          ip: meta.ip,
          ...(note ? { details: { note } } : {}),
        });
        acknowledged += 1;
        return enqueueDeliveries(tx, alert, "acknowledged", now);
      });
    }
    if (acknowledged > 0) this.changes.emit("changed");
    if (queued > 0) this.options.onQueued?.();
    return { acknowledged };
  }

  async resolveByHand(ids: string[], actor: Actor, meta: RequestMeta) {
    const by = actor.username;
    let resolved = 0;
    for (const id of ids) {
      if (await this.resolve(id, by, "resolved by hand")) {
        resolved += 1;
        await recordAudit(this.db, {
          action: "alert.resolved",
          actor,
          target: { type: "alert", id },
          ip: meta.ip,
        });
      }
    }
    return { resolved };
  }

  async snooze(id: string, until: Date, actor: Actor, meta: RequestMeta) {
    const alert = found(await this.db.alert.findUnique({ where: { id } }), "No such alert");
    const by = actor.username;
    await this.db.$transaction(async (tx) => {
      await tx.alert.update({ where: { id }, data: { snoozedUntil: until } });
      await tx.alertEvent.create({
        data: {
          alertId: id,
          at: new Date(this.now()),
          type: "snoozed",
          actor: by,
          note: `until ${until.toISOString()}`,
        },
      });
      await recordAudit(tx, {
        action: "alert.snoozed",
        actor,
        target: { type: "alert", id, name: alert.subject },
        ip: meta.ip,
        details: { until },
      });
    });
    this.changes.emit("changed");
  }

  /** Unacknowledged, unsnoozed alerts not sent for a reminder interval are sent again. */
  async remind(): Promise<number> {
    const now = new Date(this.now());
    const due = await this.db.alert.findMany({
      where: {
        state: "raised",
        lastNotifiedAt: { lt: new Date(now.getTime() - this.options.reminderMs) },
        OR: [{ snoozedUntil: null }, { snoozedUntil: { lt: now } }],
      },
      take: 500,
    });
    let queued = 0;
    for (const alert of due) {
      queued += await this.db.$transaction(async (tx) => {
        await tx.alert.update({ where: { id: alert.id }, data: { lastNotifiedAt: now } });
        await tx.alertEvent.create({ data: { alertId: alert.id, at: now, type: "reminder" } });
        return enqueueDeliveries(tx, alert, "reminder" satisfies TAlertEvent, now);
      });
    }
    if (queued > 0) this.options.onQueued?.();
    return due.length;
  }

  private async hostIsQuiet(hostId: string, now: Date): Promise<boolean> {
    const host = await this.db.host.findUnique({
      where: { id: hostId },
      select: { alertsSnoozedUntil: true, maintenanceWindows: true, timeZone: true },
    });
    if (!host) return false;
    if (host.alertsSnoozedUntil && host.alertsSnoozedUntil > now) return true;
    return inQuietTime(host.maintenanceWindows, host.timeZone ?? "UTC", now);
  }

  // ── Reading ─────────────────────────────────────────────────────────────────────

  async list(filter: {
    state?: "open" | "raised" | "acknowledged" | "resolved" | undefined;
    kind?: string | undefined;
    hostId?: string | undefined;
    severity?: string | undefined;
    limit: number;
    cursor?: string | undefined;
  }) {
    const after = decodeCursorOf(filter.cursor, "date");
    const take = filter.limit + 1;
    // "open" is two states: one index range each, merged, rather than a sort of every match.
    const states = filter.state === "open" ? OPEN : [filter.state];
    const parts = await Promise.all(
      states.map((state) =>
        this.db.alert.findMany({
          where: {
            state,
            kind: filter.kind,
            hostId: filter.hostId,
            severity: filter.severity,
            ...afterKeyset("lastSeenAt", "desc", after),
          },
          orderBy: keysetOrder("lastSeenAt", "desc"),
          take,
        }),
      ),
    );
    const rows = mergeKeyset(parts, take, (row) => row.lastSeenAt, "desc");
    const { page, nextCursor } = pageOf(rows, filter.limit, (row) => row.lastSeenAt);
    const hostNames = await this.hostNames(page.map((row) => row.hostId));
    return { items: page.map((row) => present(row, hostNames)), nextCursor };
  }

  async get(id: string) {
    const row = found(
      await this.db.alert.findUnique({
        where: { id },
        include: {
          events: { orderBy: { at: "asc" }, take: 500 },
          deliveries: {
            orderBy: { createdAt: "asc" },
            take: 200,
            include: {
              channel: { select: { name: true, kind: true } },
              attemptLog: { orderBy: { at: "asc" }, take: 20 },
            },
          },
        },
      }),
      "No such alert",
    );
    const hostNames = await this.hostNames([row.hostId]);
    return {
      ...present(row, hostNames),
      events: row.events,
      deliveries: row.deliveries.map(({ attemptLog, channel, ...delivery }) => ({
        ...delivery,
        channelName: channel.name,
        channelKind: channel.kind,
        attempts: attemptLog,
      })),
    };
  }

  /**
   * Open alerts by severity, for the navigation badge and the dashboard: a count per severity
   * on the (severity, state) index, bounded by the open alerts.
   */
  async openCounts() {
    const counts = { info: 0, warning: 0, critical: 0 } as Record<TAlertSeverity, number>;
    for (const severity of ALERT_SEVERITIES) {
      counts[severity] = await this.db.alert.count({ where: { severity, state: { in: OPEN } } });
    }
    return { ...counts, total: counts.info + counts.warning + counts.critical };
  }

  private async hostNames(ids: Array<string | null>) {
    const wanted = [...new Set(ids.filter((id): id is string => id !== null))];
    const hosts = wanted.length
      ? await this.db.host.findMany({
          where: { id: { in: wanted } },
          select: { id: true, name: true },
        })
      : [];
    return new Map(hosts.map((host) => [host.id, host.name]));
  }
}

function present(row: Prisma.AlertGetPayload<object>, hostNames: Map<string, string>) {
  const { openKey: _openKey, ...rest } = row;
  return {
    ...rest,
    kind: narrow(ALERT_KINDS, row.kind),
    severity: narrow(ALERT_SEVERITIES, row.severity),
    state: narrow(ALERT_STATES, row.state),
    hostName: row.hostId ? (hostNames.get(row.hostId) ?? null) : null,
  };
}
