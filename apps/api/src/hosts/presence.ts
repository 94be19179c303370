import type { TAgentHello } from "@restic-manager/contracts";
import type { Db } from "../db.js";
import type { Logger } from "../logger.js";

/** What a connect needs to know about a host after its first connect in this process. */
export interface KnownHost {
  id: string;
  name: string;
  credentialHash: string;
  /** The agent's facts as last written (hostname, versions…), to write only a change. */
  facts: string;
  /** Kept when a hello names none. */
  timeZone: string | null;
  /** A refused too-old agent is on record (Host.refusedAt): the next accepted connect clears it. */
  tooOld: boolean;
}

const FLUSH_MS = 5000;
/** Hosts per UPDATE: well under SQLite's limit on bound parameters. */
const FLUSH_CHUNK = 500;

/** The agent facts a host row keeps, as a comparable string. */
export function factsOf(row: {
  hostname: string;
  os: string;
  arch: string | null;
  agentVersion: string | null;
  protocolVersion: number | null;
  resticVersion: string | null;
  resticProblem: string | null;
  timeZone: string | null;
}): string {
  return JSON.stringify([
    row.hostname,
    row.os,
    row.arch,
    row.agentVersion,
    row.protocolVersion,
    row.resticVersion,
    row.resticProblem,
    row.timeZone,
  ]);
}

/** The host columns a hello sets (a hello without a time zone keeps the stored one). */
export function helloFacts(hello: TAgentHello, storedTimeZone: string | null) {
  return {
    hostname: hello.hostname,
    os: hello.os,
    arch: hello.arch,
    agentVersion: hello.agentVersion,
    protocolVersion: hello.protocolVersion,
    resticVersion: hello.restic.version,
    resticProblem: hello.restic.problem,
    timeZone: hello.timeZone || storedTimeZone,
  };
}

/**
 * Keeps agent connects cheap: the hosts met since start (so a reconnect checks its credential
 * without a query; revocation is still refused at once through `AgentRegistry.isEnded`), and
 * `lastSeenAt`, written for all hosts seen in the last few seconds in one statement instead of
 * one write per connect and disconnect.
 */
export class AgentPresence {
  private readonly hosts = new Map<string, KnownHost>();
  private readonly seen = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly options: {
      db: Db;
      logger: Logger;
      flushMs?: number;
      now?: () => number;
    },
  ) {}

  known(hostId: string): KnownHost | undefined {
    return this.hosts.get(hostId);
  }

  remember(host: KnownHost): void {
    this.hosts.set(host.id, host);
  }

  /** The agent was heard from now; written with the next flush. */
  markSeen(hostId: string): void {
    this.seen.add(hostId);
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.options.flushMs ?? FLUSH_MS);
    this.timer.unref();
  }

  /** Writes `lastSeenAt` of every host seen since the last flush. */
  flush(): Promise<void> {
    this.flushing ??= this.write().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /** Writes what is left; nothing is written after (the database is about to close). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flushing;
    await this.flush();
  }

  private async write(): Promise<void> {
    const ids = [...this.seen];
    this.seen.clear();
    const lastSeenAt = new Date((this.options.now ?? Date.now)());
    try {
      for (let i = 0; i < ids.length; i += FLUSH_CHUNK) {
        await this.options.db.host.updateMany({
          where: { id: { in: ids.slice(i, i + FLUSH_CHUNK) } },
          data: { lastSeenAt },
        });
      }
    } catch (error) {
      this.options.logger.error({ event: "hosts.last_seen_failed", err: error });
    }
  }
}
