import { createHash, randomBytes } from "node:crypto";
import type { EventEmitter } from "node:events";
import { type TAgentQuery, type TQueryAnswer, ZQueryAnswer } from "@restic-manager/contracts";
import superjson from "superjson";
import type { LoginThrottle } from "./auth/throttle.js";
import { type ClusterBus, LocalBus, newReplicaId, PostgresBus } from "./cluster/bus.js";
import { type Leadership, PostgresLeadership, SoleLeadership } from "./cluster/leadership.js";
import {
  type ClusterMessage,
  jobEventFromWire,
  jobEventToWire,
  type TThrottleName,
  type TWakeTarget,
} from "./cluster/messages.js";
import { ReplicaPresence } from "./cluster/presence.js";
import { AppError } from "./errors.js";
import type { AgentRegistry } from "./hosts/registry.js";
import type { JobEventBus } from "./jobs/eventBus.js";
import type { JobService } from "./jobs/service.js";
import type { Logger } from "./logger.js";

/** How often each replica looks in the database for queued jobs of its agents. */
const QUEUE_PASS_MS = 10_000;
/** Bytes of an answer per message: as base64, well under PostgreSQL's payload limit. */
const ANSWER_PART_BYTES = 5000;
/** An answer's parts may take this much longer to arrive than the agent may take to answer. */
const ANSWER_SLACK_MS = 15_000;

/** What the replicas' messages reach in this process. */
export interface ReplicaTargets {
  agents: AgentRegistry;
  jobs: JobService;
  jobEvents: JobEventBus;
  alertChanges: EventEmitter<{ changed: [] }>;
  scheduleChanges: EventEmitter<{ changed: [] }>;
  /** Work the leader does at once when another replica asks. */
  wake(what: TWakeTarget): void;
  /** A download link another replica spent. */
  linkSpent(linkId: string): void;
  /** Sends a host's schedules to its agent when it is connected here. */
  pushSchedules(hostId: string): Promise<void>;
  /** The sign-in and credential throttles, which count failures made through any replica. */
  throttles: Record<TThrottleName, LoginThrottle>;
  /** Asks an agent connected here on another replica's behalf (see askElsewhere). */
  answerQuery(
    hostId: string,
    repositoryId: string,
    query: TAgentQuery,
    timeoutMs: number,
  ): Promise<TQueryAnswer>;
}

interface Asked {
  parts: Array<Buffer | undefined>;
  received: number;
  resolve(answer: TQueryAnswer): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * This process among the API replicas on one PostgreSQL: who leads the work that must run
 * once, and what the replicas tell each other (see cluster/messages.ts). With SQLite there is
 * one process, which leads, and nothing to tell.
 *
 * The database stays the source of truth: a job is dispatched from the queue in the database
 * by the replica its agent is connected to, told by a message when it is made elsewhere and
 * by a pass over the queue every QUEUE_PASS_MS otherwise (a message lost only delays it).
 * Watchers of a job see the events of the replica its agent reports to, relayed; hosts show
 * online wherever their agent is connected.
 */
export class Replicas {
  readonly replicaId: string;
  readonly leadership: Leadership;
  private readonly bus: ClusterBus;
  private readonly presence: ReplicaPresence | undefined;
  private readonly logger: Logger;
  private readonly unsubscribes: Array<() => void> = [];
  private queueTimer: NodeJS.Timeout | undefined;
  /** Set while a message from elsewhere is being told to this process's listeners. */
  private relaying = false;
  /** Questions this replica relayed to agents elsewhere, waiting for their answers. */
  private readonly asked = new Map<string, Asked>();

  private constructor(options: {
    bus: ClusterBus;
    leadership: Leadership;
    presence: ReplicaPresence | undefined;
    logger: Logger;
  }) {
    this.bus = options.bus;
    this.replicaId = options.bus.replicaId;
    this.leadership = options.leadership;
    this.presence = options.presence;
    this.logger = options.logger;
  }

  /** One process on SQLite: always the leader, nobody to tell. */
  static sole(logger: Logger): Replicas {
    return new Replicas({
      bus: new LocalBus(),
      leadership: new SoleLeadership(),
      presence: undefined,
      logger,
    });
  }

  /** One of any number of replicas on the PostgreSQL database at `url`. */
  static async onPostgres(
    url: string,
    logger: Logger,
    tuning: { heartbeatMs?: number; leadershipIntervalMs?: number } = {},
  ): Promise<Replicas> {
    const replicaId = newReplicaId();
    const bus = new PostgresBus({ url, replicaId, logger });
    await bus.start();
    const leadership = new PostgresLeadership({
      url,
      replicaId,
      logger,
      ...(tuning.leadershipIntervalMs ? { intervalMs: tuning.leadershipIntervalMs } : {}),
    });
    const presence = new ReplicaPresence({
      bus,
      logger,
      ...(tuning.heartbeatMs ? { heartbeatMs: tuning.heartbeatMs } : {}),
    });
    logger.info({ event: "replica.started", replicaId }, "one of several API replicas");
    return new Replicas({ bus, leadership, presence, logger });
  }

  /** A replica's short name in the ids it gives uploads (see Downloads). */
  static tagOf(replicaId: string): string {
    return createHash("sha256").update(replicaId).digest("base64url").slice(0, 8);
  }

  /** This replica's short name. */
  get tag(): string {
    return Replicas.tagOf(this.replicaId);
  }

  /** Where the replica the host's agent is connected to is reached; undefined when not known. */
  urlOfHost(hostId: string): string | undefined {
    const replicaId = this.presence?.replicaOf(hostId);
    return replicaId && replicaId !== this.replicaId ? this.presence?.urlOf(replicaId) : undefined;
  }

  /** Where the replica that gave an upload its id is reached, when it is another one. */
  urlOfUpload(uploadId: string): string | undefined {
    const tag = /^u_([A-Za-z0-9_-]{8})\./.exec(uploadId)?.[1];
    if (!tag || tag === this.tag || !this.presence) return undefined;
    const replicaId = this.presence.knownReplicas().find((id) => Replicas.tagOf(id) === tag);
    return replicaId ? this.presence.urlOf(replicaId) : undefined;
  }

  /** Tells the others a download link was spent here. */
  linkSpent(linkId: string): void {
    this.send({ kind: "link-spent", linkId });
  }

  /** The replicas this one hears from, itself included. */
  get replicasAlive(): number {
    return 1 + (this.presence?.knownReplicas().length ?? 0);
  }

  /** True when other replicas may share the database (PostgreSQL). */
  get shared(): boolean {
    return this.presence !== undefined;
  }

  /** What ScheduleService tells the others (see ScheduleServiceOptions.replicas). */
  readonly forSchedules = {
    pushSchedules: (hostId: string) => this.send({ kind: "push-schedules", hostId }),
  };

  /** What JobService tells the others (see JobServiceOptions.replicas). */
  readonly forJobs = {
    dispatch: (hostId: string) => this.send({ kind: "dispatch", hostId }),
    cancel: (hostId: string, jobId: string) => this.send({ kind: "cancel", hostId, jobId }),
  };

  /**
   * Asks an agent connected to another replica (browsing a snapshot through this one): the
   * question goes to that replica, which asks its agent and sends the answer back in parts.
   */
  askElsewhere(
    hostId: string,
    repositoryId: string,
    query: TAgentQuery,
    timeoutMs: number,
  ): Promise<TQueryAnswer> {
    const to = this.presence?.replicaOf(hostId);
    if (!to || to === this.replicaId) {
      return Promise.reject(new AppError("CONFLICT", "The reading host went offline; try again"));
    }
    const id = `r_${randomBytes(12).toString("base64url")}`;
    return new Promise<TQueryAnswer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.asked.delete(id);
        reject(
          new AppError(
            "CONFLICT",
            `The reading host did not answer within ${Math.round(timeoutMs / 1000)} s`,
          ),
        );
      }, timeoutMs + ANSWER_SLACK_MS);
      timer.unref();
      this.asked.set(id, { parts: [], received: 0, resolve, reject, timer });
      this.send({ kind: "agent-query", to, id, hostId, repositoryId, timeoutMs, query });
    });
  }

  /** Asks the leader (this process or another) to look at `what` now. */
  wake(what: TWakeTarget): void {
    this.send({ kind: "wake", what });
  }

  /**
   * Starts listening and relaying, saying that the others reach this replica at `url`; the
   * leadership starts trying for the lock.
   */
  async start(targets: ReplicaTargets, url: string): Promise<void> {
    const presence = this.presence;
    if (!presence) return;
    presence.announceAt(url);
    const { agents, jobs, jobEvents } = targets;
    agents.useElsewhere(presence);
    this.unsubscribes.push(
      presence.onElsewhereChange((hostId, online) => agents.changedElsewhere(hostId, online)),
      this.bus.subscribe((message) => {
        this.receive(message, targets).catch((error: unknown) => {
          this.logger.error(
            { event: "replica.message_failed", kind: message.kind, err: error },
            "a message from another replica could not be handled",
          );
        });
      }),
      this.bus.onReconnected(() => void this.queuePass(jobs)),
    );
    const connected = (hostId: string) => presence.hostConnected(hostId);
    const disconnected = (hostId: string) => presence.hostDisconnected(hostId);
    // A revocation or deletion reaches every replica's sockets of the host at once.
    const ended = (hostId: string, reason: string) => {
      if (!this.relaying) this.send({ kind: "host-ended", hostId, reason });
    };
    agents.local.on("connected", connected);
    agents.local.on("disconnected", disconnected);
    agents.local.on("ended", ended);
    this.unsubscribes.push(() => {
      agents.local.off("connected", connected);
      agents.local.off("disconnected", disconnected);
      agents.local.off("ended", ended);
    });
    jobEvents.relay = (jobId, event) =>
      this.send({ kind: "job-event", jobId, event: jobEventToWire(event) });
    this.unsubscribes.push(() => {
      jobEvents.relay = undefined;
    });
    for (const [name, throttle] of Object.entries(targets.throttles)) {
      throttle.relay = (change) =>
        this.send({ kind: "throttle", throttle: name as TThrottleName, ...change });
    }
    this.unsubscribes.push(() => {
      for (const throttle of Object.values(targets.throttles)) throttle.relay = undefined;
    });
    this.relayChanges(targets.alertChanges, "alerts");
    this.relayChanges(targets.scheduleChanges, "schedules");
    await presence.start();
    if (this.leadership instanceof PostgresLeadership) await this.leadership.start();
    this.queueTimer = setInterval(() => void this.queuePass(jobs), QUEUE_PASS_MS);
    this.queueTimer.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.queueTimer);
    for (const [id, asked] of this.asked) {
      clearTimeout(asked.timer);
      asked.reject(new AppError("CONFLICT", "The server is stopping"));
      this.asked.delete(id);
    }
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
    await this.presence?.close();
    await this.leadership.close();
    await this.bus.close();
  }

  private send(message: Parameters<ClusterBus["publish"]>[0]): void {
    if (!this.presence) return;
    void this.bus.publish(message);
  }

  /** A domain's "changed" told to the other replicas' browsers, and theirs to this one's. */
  private relayChanges(changes: EventEmitter<{ changed: [] }>, type: "alerts" | "schedules") {
    const changed = () => {
      if (!this.relaying) this.send({ kind: "fleet-event", event: { type } });
    };
    changes.on("changed", changed);
    this.unsubscribes.push(() => changes.off("changed", changed));
  }

  private async receive(message: ClusterMessage, targets: ReplicaTargets): Promise<void> {
    switch (message.kind) {
      case "dispatch":
        await targets.jobs.dispatchFromElsewhere(message.hostId);
        return;
      case "cancel":
        await targets.jobs.cancelFromElsewhere(message.hostId, message.jobId);
        return;
      case "job-event": {
        const event = jobEventFromWire(message.event);
        targets.jobEvents.receive(message.jobId, event);
        if (event.type === "state") {
          await targets.jobs.stateFromElsewhere(message.jobId, event.state);
        }
        return;
      }
      case "wake":
        if (this.leadership.isLeader) targets.wake(message.what);
        return;
      case "push-schedules":
        await targets.pushSchedules(message.hostId);
        return;
      case "link-spent":
        targets.linkSpent(message.linkId);
        return;
      case "agent-query":
        if (message.to === this.replicaId) await this.answer(message, targets);
        return;
      case "agent-answer":
        if (message.to === this.replicaId) this.answerPart(message);
        return;
      case "throttle":
        targets.throttles[message.throttle].apply(message);
        return;
      case "host-ended":
        this.relaying = true;
        try {
          targets.agents.end(message.hostId, message.reason);
        } finally {
          this.relaying = false;
        }
        return;
      case "fleet-event": {
        const type = (message.event as { type?: unknown } | null)?.type;
        const changes =
          type === "alerts"
            ? targets.alertChanges
            : type === "schedules"
              ? targets.scheduleChanges
              : undefined;
        if (!changes) return;
        this.relaying = true;
        try {
          changes.emit("changed");
        } finally {
          this.relaying = false;
        }
        return;
      }
      default:
        // Presence messages are the presence's own.
        return;
    }
  }

  /** Asks the agent connected here, and sends its answer (or why there is none) back. */
  private async answer(
    message: Extract<ClusterMessage, { kind: "agent-query" }>,
    targets: ReplicaTargets,
  ): Promise<void> {
    let reply: { ok: true; answer: TQueryAnswer } | { ok: false; error: string };
    try {
      const answer = await targets.answerQuery(
        message.hostId,
        message.repositoryId,
        message.query,
        message.timeoutMs,
      );
      reply = { ok: true, answer };
    } catch (error) {
      reply = { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
    const bytes = Buffer.from(superjson.stringify(reply), "utf8");
    const parts = Math.max(1, Math.ceil(bytes.length / ANSWER_PART_BYTES));
    for (let part = 0; part < parts; part++) {
      const slice = bytes.subarray(part * ANSWER_PART_BYTES, (part + 1) * ANSWER_PART_BYTES);
      this.send({
        kind: "agent-answer",
        to: message.replicaId,
        id: message.id,
        part,
        parts,
        data: slice.toString("base64"),
      });
    }
  }

  /** A part of an answer to a question this replica relayed; the last one settles it. */
  private answerPart(message: Extract<ClusterMessage, { kind: "agent-answer" }>): void {
    const asked = this.asked.get(message.id);
    if (!asked || message.part >= message.parts || asked.parts[message.part]) return;
    asked.parts[message.part] = Buffer.from(message.data, "base64");
    asked.received += 1;
    if (asked.received < message.parts) return;
    this.asked.delete(message.id);
    clearTimeout(asked.timer);
    try {
      const reply = superjson.parse<{ ok: boolean; answer?: unknown; error?: string }>(
        Buffer.concat(asked.parts as Buffer[]).toString("utf8"),
      );
      if (reply.ok) asked.resolve(ZQueryAnswer.parse(reply.answer));
      else asked.reject(new AppError("BAD_REQUEST", String(reply.error ?? "the agent failed")));
    } catch (error) {
      asked.reject(
        new AppError(
          "CONFLICT",
          `The answer from the other replica was unreadable: ${String(error)}`,
        ),
      );
    }
  }

  private async queuePass(jobs: JobService): Promise<void> {
    try {
      await jobs.dispatchQueuedHere();
    } catch (error) {
      this.logger.error(
        { event: "replica.queue_pass_failed", err: error },
        "looking for queued jobs failed",
      );
    }
  }
}
