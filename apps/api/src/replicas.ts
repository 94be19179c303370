import type { EventEmitter } from "node:events";
import { type ClusterBus, LocalBus, newReplicaId, PostgresBus } from "./cluster/bus.js";
import { type Leadership, PostgresLeadership, SoleLeadership } from "./cluster/leadership.js";
import {
  type ClusterMessage,
  jobEventFromWire,
  jobEventToWire,
  type TWakeTarget,
} from "./cluster/messages.js";
import { ReplicaPresence } from "./cluster/presence.js";
import type { AgentRegistry } from "./hosts/registry.js";
import type { JobEventBus } from "./jobs/eventBus.js";
import type { JobService } from "./jobs/service.js";
import type { Logger } from "./logger.js";

/** How often each replica looks in the database for queued jobs of its agents. */
const QUEUE_PASS_MS = 10_000;

/** What the replicas' messages reach in this process. */
export interface ReplicaTargets {
  agents: AgentRegistry;
  jobs: JobService;
  jobEvents: JobEventBus;
  alertChanges: EventEmitter<{ changed: [] }>;
  scheduleChanges: EventEmitter<{ changed: [] }>;
  /** Work the leader does at once when another replica asks. */
  wake(what: TWakeTarget): void;
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

  /** True when other replicas may share the database (PostgreSQL). */
  get shared(): boolean {
    return this.presence !== undefined;
  }

  /** What JobService tells the others (see JobServiceOptions.replicas). */
  readonly forJobs = {
    dispatch: (hostId: string) => this.send({ kind: "dispatch", hostId }),
    cancel: (hostId: string, jobId: string) => this.send({ kind: "cancel", hostId, jobId }),
  };

  /** Asks the leader (this process or another) to look at `what` now. */
  wake(what: TWakeTarget): void {
    this.send({ kind: "wake", what });
  }

  /** Starts listening and relaying; the leadership starts trying for the lock. */
  async start(targets: ReplicaTargets): Promise<void> {
    const presence = this.presence;
    if (!presence) return;
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
    this.relayChanges(targets.alertChanges, "alerts");
    this.relayChanges(targets.scheduleChanges, "schedules");
    await presence.start();
    if (this.leadership instanceof PostgresLeadership) this.leadership.start();
    this.queueTimer = setInterval(() => void this.queuePass(jobs), QUEUE_PASS_MS);
    this.queueTimer.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.queueTimer);
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
