import type { Db } from "../db.js";

/**
 * When each backup set last backed up successfully, kept in memory so a scrape reads no job
 * rows for it. A set is looked up in the database once (the first scrape that meets it); from
 * then on every successful backup this process records moves it on.
 *
 * The lookup walks the set's jobs newest first (the `Job(backupSetId, createdAt)` index) and
 * stops at the first successful backup: a few rows for a set that backs up, the set's history
 * once for one that never did.
 */
export class BackupRecency {
  private readonly lastSuccess = new Map<string, Date>();
  private readonly lookedUp = new Set<string>();

  constructor(private readonly db: Db) {}

  /** A successful backup of the set finished at `at`; an older report changes nothing. */
  record(backupSetId: string, at: Date): void {
    const known = this.lastSuccess.get(backupSetId);
    if (!known || known < at) this.lastSuccess.set(backupSetId, at);
  }

  /** The set's last successful backup, or undefined when it never had one. */
  async lastSuccessOf(set: { id: string }): Promise<Date | undefined> {
    if (!this.lookedUp.has(set.id)) {
      const latest = await this.db.job.findFirst({
        where: { backupSetId: set.id, kind: "backup", state: "succeeded" },
        orderBy: { createdAt: "desc" },
        select: { finishedAt: true },
      });
      this.lookedUp.add(set.id);
      if (latest?.finishedAt) this.record(set.id, latest.finishedAt);
    }
    return this.lastSuccess.get(set.id);
  }

  /** Drops what is known about sets that no longer exist. */
  retain(existing: ReadonlySet<string>): void {
    for (const id of [...this.lookedUp, ...this.lastSuccess.keys()]) {
      if (existing.has(id)) continue;
      this.lookedUp.delete(id);
      this.lastSuccess.delete(id);
    }
  }
}
