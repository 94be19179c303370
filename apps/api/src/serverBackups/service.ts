import { chmod, mkdir, rename, stat } from "node:fs/promises";
import path from "node:path";
import {
  SERVER_BACKUP_LIST_LIMIT,
  type TServerBackupRun,
  type TServerBackupTrigger,
} from "@restic-manager/contracts";
import { recordAudit } from "../audit/service.js";
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
  /** The live database file. */
  databasePath: string;
  /** Where the copies go: `<data dir>/backups`. */
  directory: string;
  /** How many copies to keep; older ones are deleted once a new one passed its check. */
  keep: number;
  /** A copy is taken when the newest is this old; 0 takes them on request only. */
  intervalMs: number;
  now?: () => Date;
}

/**
 * The server's own database, copied online to its backups directory on a schedule and on an
 * admin's request. A copy that fails (a full disk, a directory it may not write) is logged and
 * kept as the last outcome for admins to see; it never stops the server.
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

  /** An admin's "back up now", in the audit log with its outcome. */
  async createOnRequest(actor: Actor, meta: RequestMeta): Promise<TServerBackupRun> {
    const run = await this.create("request");
    await recordAudit(this.options.db, {
      action: "server.backed_up",
      outcome: run.ok ? "success" : "failure",
      actor,
      ip: meta.ip,
      target: { type: "server_backup", ...(run.ok ? { name: run.copy.name } : {}) },
      details: run.ok
        ? { sizeBytes: run.copy.sizeBytes, pruned: run.pruned }
        : { error: run.error },
    });
    return run;
  }

  /** The copies, newest first (at most SERVER_BACKUP_LIST_LIMIT). */
  list() {
    return listCopies(this.options.directory, SERVER_BACKUP_LIST_LIMIT);
  }

  /** How copies are taken, and how the last one went since the server started. */
  status() {
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
    return this.create("schedule");
  }

  /**
   * Looks regularly whether a copy is due, going by the newest copy's time, so a restart
   * neither skips one nor takes one early. The first look comes one period after the start,
   * not at once: a server restarted often (an upgrade, a test) does not copy on each start.
   */
  start(): void {
    if (this.options.intervalMs <= 0 || this.timer) return;
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

  private async copyTo(partial: string, takenAt: Date) {
    const { directory, databasePath } = this.options;
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
