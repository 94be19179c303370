import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { type TScheduleDefinition, ZScheduleDefinition } from "@restic-manager/contracts";
import { z } from "zod";

const ZSealedFile = z.object({
  version: z.literal(1),
  iv: z.string(),
  tag: z.string(),
  data: z.string(),
});
const ZStored = z.object({
  savedAt: z.coerce.date(),
  schedules: z.array(ZScheduleDefinition),
});
type Stored = z.infer<typeof ZStored>;

export interface LoadedSchedules {
  schedules: TScheduleDefinition[];
  /** Set when the current file was damaged: what happened and which copy is in use. */
  problem: string | null;
}

/**
 * The host's schedules on disk, with the repository credentials they carry: encrypted
 * (AES-256-GCM) under a key in a file of the agent's own (0600), written atomically, and kept
 * twice — the current copy and the last good one — so a damaged file costs nothing: the agent
 * says so and fires from the last good copy until the server sends the schedules again.
 */
export class ScheduleStore {
  readonly file: string;
  readonly lastGoodFile: string;
  private readonly keyFile: string;

  constructor(stateDir: string) {
    this.file = path.join(stateDir, "schedules.enc");
    this.lastGoodFile = path.join(stateDir, "schedules.last-good.enc");
    this.keyFile = path.join(stateDir, "schedules.key");
  }

  save(schedules: TScheduleDefinition[], now = new Date()): void {
    const sealed = JSON.stringify(this.seal({ savedAt: now, schedules }));
    writeAtomically(this.file, sealed);
    writeAtomically(this.lastGoodFile, sealed);
  }

  load(): LoadedSchedules {
    if (!existsSync(this.file) && !existsSync(this.lastGoodFile)) {
      return { schedules: [], problem: null };
    }
    const current = this.read(this.file);
    if (current.ok) return { schedules: current.stored.schedules, problem: null };
    const lastGood = this.read(this.lastGoodFile);
    if (existsSync(this.file)) renameSync(this.file, `${this.file}.damaged`);
    if (lastGood.ok) {
      return {
        schedules: lastGood.stored.schedules,
        problem: `the schedule file was damaged (${current.reason}); using the last good copy from ${lastGood.stored.savedAt.toISOString()}`,
      };
    }
    return {
      schedules: [],
      problem: `the schedule file and its last good copy are damaged (${current.reason}); no schedules until the server sends them`,
    };
  }

  private read(file: string): { ok: true; stored: Stored } | { ok: false; reason: string } {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      return { ok: false, reason: "missing" };
    }
    try {
      return { ok: true, stored: this.open(ZSealedFile.parse(JSON.parse(text))) };
    } catch (error) {
      return { ok: false, reason: (error as Error).message.split("\n")[0] ?? "unreadable" };
    }
  }

  private key(): Buffer {
    if (existsSync(this.keyFile)) {
      const key = Buffer.from(readFileSync(this.keyFile, "utf8").trim(), "base64");
      if (key.length === 32) return key;
      throw new Error(`the schedule key ${this.keyFile} is not a 256-bit key`);
    }
    const key = randomBytes(32);
    writeFileSync(this.keyFile, `${key.toString("base64")}\n`, { mode: 0o600, flag: "wx" });
    return key;
  }

  private seal(stored: Stored): z.infer<typeof ZSealedFile> {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key(), iv);
    const data = Buffer.concat([cipher.update(JSON.stringify(stored), "utf8"), cipher.final()]);
    return {
      version: 1,
      iv: iv.toString("base64"),
      tag: cipher.getAuthTag().toString("base64"),
      data: data.toString("base64"),
    };
  }

  private open(sealed: z.infer<typeof ZSealedFile>): Stored {
    const decipher = createDecipheriv("aes-256-gcm", this.key(), Buffer.from(sealed.iv, "base64"));
    decipher.setAuthTag(Buffer.from(sealed.tag, "base64"));
    const text = Buffer.concat([
      decipher.update(Buffer.from(sealed.data, "base64")),
      decipher.final(),
    ]).toString("utf8");
    return ZStored.parse(JSON.parse(text));
  }
}

/** Per-schedule memory that survives restarts: the last slot handled and the check's next part. */
const ZScheduleState = z.record(
  z.string(),
  z.object({
    /** The latest slot that was run, skipped or missed: slots after it are still to come. */
    lastSlot: z.coerce.date(),
    /** What the slots were computed from; a change starts the schedule afresh. */
    timingKey: z.string(),
    nextCheckPart: z.number().int().min(1).default(1),
  }),
);
export type ScheduleState = z.infer<typeof ZScheduleState>;

export class ScheduleStateFile {
  private readonly file: string;

  constructor(stateDir: string) {
    this.file = path.join(stateDir, "schedule-state.json");
  }

  load(): ScheduleState {
    try {
      return ZScheduleState.parse(JSON.parse(readFileSync(this.file, "utf8")));
    } catch {
      // Missing or damaged: every schedule starts from now (nothing is caught up twice).
      return {};
    }
  }

  save(state: ScheduleState): void {
    writeAtomically(this.file, JSON.stringify(state));
  }
}

function writeAtomically(file: string, text: string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, text, { mode: 0o600 });
  renameSync(temporary, file);
}
