import { chmod, mkdir, rename, stat } from "node:fs/promises";
import path from "node:path";
import {
  SERVER_BACKUP_LIST_LIMIT,
  type TServerBackupRun,
  type TServerBackupTrigger,
  ZServerBackupRun,
} from "@restic-manager/contracts";
import { type AuditRecord, recordAudit } from "../audit/service.js";
import type { Actor, RequestMeta } from "../auth/actor.js";
import type { Db } from "../db.js";
import type { Logger } from "../logger.js";
import { copyDatabase } from "./copy.js";
import {
  copyName,
  listCopies,
  newestCopyTime,
  partialName,
  pruneCopies,
  removePartials,
} from "./files.js";

/** How often the schedule looks whether a copy is due (at most; less when the interval is short). */
const DUE_CHECK_MS = 10 * 60_000;

export interface ServerBackupsOptions {
  db: Db;
  logger: Logger;
  /**
   * The live database file; undefined on PostgreSQL, whose backups are the database server's
   * business (pg_dump, continuous archiving): copies are then refused with that reason.
   */
  databasePath: string | undefined;
  /** Where the copies go: `<data dir>/backups`. */
  directory: string;
  /** How many copies to keep; older ones are deleted once a new one passed its check. */
  keep: number;
  /** A copy is taken when the newest is this old; 0 takes them on request only. */
  intervalMs: number;
  now?: () => Date;
}

/** Who takes the scheduled copies, in the audit log. */
const SCHEDULE_ACTOR = { type: "system", name: "server backups" } as const;

/**
 * The server's own database, copied online to its backups directory on a schedule and on an
 * admin's request. Every copy, taken or failed (a full disk, a directory it may not write), is
 * logged and written to the audit log, whose newest such row is the last outcome admins see,
 * across restarts too; a failure never stops the server.
 */
export class ServerBackups {
  private readonly now: () => Date;
  private running: Promise<TServerBackupRun> | undefined;
  private last: TServerBackupRun | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: ServerBackupsOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** Copies the database now; joins the copy already under way if there is one. */
  create(trigger: TServerBackupTrigger): Promise<TServerBackupRun> {
    this.running ??= this.run(trigger).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** An admin's "back up now", in the audit log with its outcome under the admin's name. */
  async createOnRequest(actor: Actor, meta: RequestMeta): Promise<TServerBackupRun> {
    const run = await this.create("request");
    await this.audit(run, actor, meta.ip);
    return run;
  }

  /** The copies, newest first (at most SERVER_BACKUP_LIST_LIMIT). */
  list() {
    return listCopies(this.options.directory, SERVER_BACKUP_LIST_LIMIT);
  }

  /** How copies are taken, and how the last one went (before a restart too). */
  async status() {
    this.last ??= await this.lastRecorded();
    return {
      directory: this.options.directory,
      keep: this.options.keep,
      intervalSeconds: Math.round(this.options.intervalMs / 1000),
      running: this.running !== undefined,
      lastRun: this.last ?? null,
    };
  }

  /** Takes a copy when the newest one is older than the interval (or there is none). */
  async runIfDue(): Promise<TServerBackupRun | undefined> {
    if (this.options.intervalMs <= 0 || this.running) return undefined;
    // After a failure there is still no recent copy: the next look tries again.
    const newest = await newestCopyTime(this.options.directory).catch(() => undefined);
    if (newest && this.now().getTime() - newest.getTime() < this.options.intervalMs) {
      return undefined;
    }
    const run = await this.create("schedule");
    await this.audit(run, SCHEDULE_ACTOR);
    return run;
  }

  /**
   * Looks regularly whether a copy is due, going by the newest copy's time, so a restart
   * neither skips one nor takes one early. The first look comes one period after the start,
   * not at once: a server restarted often (an upgrade, a test) does not copy on each start.
   */
  start(): void {
    if (this.options.intervalMs <= 0 || this.timer || !this.options.databasePath) return;
    this.timer = setInterval(
      () => void this.runIfDue(),
      Math.min(DUE_CHECK_MS, this.options.intervalMs),
    );
    this.timer.unref();
  }

  /** Stops the schedule; a copy under way is finished first (see copyDatabase). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async run(trigger: TServerBackupTrigger): Promise<TServerBackupRun> {
    const { directory, logger } = this.options;
    const startedAt = this.now();
    const partial = path.join(directory, partialName(startedAt));
    try {
      const copy = await this.copyTo(partial, startedAt);
      const pruned = await pruneCopies(directory, this.options.keep);
      const run: TServerBackupRun = {
        ok: true,
        trigger,
        startedAt,
        finishedAt: this.now(),
        copy,
        pruned,
      };
      logger.info(
        {
          event: "server_backup.created",
          trigger,
          file: copy.name,
          sizeBytes: copy.sizeBytes,
          pruned,
        },
        "database copied",
      );
      this.last = run;
      return run;
    } catch (error) {
      await removePartials(directory).catch(() => undefined);
      const message = error instanceof Error ? error.message : String(error);
      const run: TServerBackupRun = {
        ok: false,
        trigger,
        startedAt,
        finishedAt: this.now(),
        error: message,
      };
      logger.error(
        { event: "server_backup.failed", trigger, directory, err: error },
        `copying the database failed: ${message}`,
      );
      this.last = run;
      return run;
    }
  }

  /**
   * The outcome in the audit log, with the whole run in its details so that `status` can read
   * it back after a restart. A failure to write it is logged: the copy itself stands.
   */
  private async audit(run: TServerBackupRun, actor: AuditRecord["actor"], ip?: string) {
    await recordAudit(this.options.db, {
      action: "server.backed_up",
      outcome: run.ok ? "success" : "failure",
      actor,
      ip,
      target: { type: "server_backup", ...(run.ok ? { name: run.copy.name } : {}) },
      details: run.ok
        ? { ...run, sizeBytes: run.copy.sizeBytes } // sizeBytes on top, for the audit list
        : run,
    }).catch((error: unknown) =>
      this.options.logger.error(
        { event: "server_backup.audit_failed", err: error },
        "the copy's outcome could not be written to the audit log",
      ),
    );
  }

  /** The newest outcome in the audit log, or none (none yet, or a row this server cannot read). */
  private async lastRecorded(): Promise<TServerBackupRun | undefined> {
    const row = await this.options.db.auditEvent.findFirst({
      where: { action: "server.backed_up" },
      orderBy: [{ at: "desc" }, { id: "desc" }],
      select: { details: true },
    });
    return row?.details ? parseRecordedRun(row.details) : undefined;
  }

  private async copyTo(partial: string, takenAt: Date) {
    const { directory, databasePath } = this.options;
    if (!databasePath) {
      throw new Error(
        "the database is on PostgreSQL: back it up with pg_dump or PostgreSQL's continuous archiving",
      );
    }
    // Copies hold every secret the database holds (sealed) and every user's password hash.
    await mkdir(directory, { recursive: true, mode: 0o700 });
    await chmod(directory, 0o700);
    await removePartials(directory);
    await copyDatabase({ source: databasePath, destination: partial });
    await chmod(partial, 0o600);
    const name = copyName(takenAt);
    await rename(partial, path.join(directory, name));
    const { size } = await stat(path.join(directory, name));
    return { name, sizeBytes: size, takenAt };
  }
}

/** The dates of a run as the audit log keeps it (JSON, so they are strings there). */
const DATE_KEYS = new Set(["startedAt", "finishedAt", "takenAt"]);

/** A run read back from its audit row; none when the row does not hold one this server reads. */
function parseRecordedRun(details: string): TServerBackupRun | undefined {
  try {
    const value: unknown = JSON.parse(details, (key, item) =>
      DATE_KEYS.has(key) && typeof item === "string" ? new Date(item) : item,
    );
    return ZServerBackupRun.safeParse(value).data;
  } catch {
    return undefined;
  }
}
