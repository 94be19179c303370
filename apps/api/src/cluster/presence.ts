import type { Logger } from "../logger.js";
import type { ClusterBus } from "./bus.js";
import type { ClusterMessage } from "./messages.js";

export interface ReplicaPresenceOptions {
  bus: ClusterBus;
  logger: Logger;
  /** Where the other replicas reach this one (said with every heartbeat). */
  url?: string;
  /** How often this replica says it is alive; one not heard from for three times this is gone. */
  heartbeatMs?: number;
  /** Connects and disconnects are collected this long and announced together. */
  batchMs?: number;
  now?: () => number;
}

export type HostsGoneListener = (hostIds: string[], replicaId: string) => void;
export type ElsewhereChangeListener = (hostId: string, online: boolean) => void;

interface Replica {
  hosts: Set<string>;
  lastHeardAt: number;
  /** Where the others reach it, as it said. */
  url?: string;
}

/** A replica not heard from for this many heartbeats has died. */
const MISSED_HEARTBEATS = 3;
const MAX_REMEMBERED_DROPPED = 500;

/**
 * Which hosts' agents are connected to other replicas, from what they announce on the bus; and
 * the announcements of this replica's own connects and disconnects.
 *
 * An agent that moves from replica A to B is announced online by B and offline by A, in either
 * order: the latest online wins, and an offline counts only from the replica that holds the host.
 * A replica that stops saying it is alive is taken for dead with all its hosts (`onHostsGone`);
 * one heard from again after that (it had only stalled) is asked to announce its hosts again.
 * While this replica's own bus cannot hear, nobody is taken for dead: when it hears again it asks
 * everyone to announce their hosts.
 */
export class ReplicaPresence {
  private readonly bus: ClusterBus;
  private readonly logger: Logger;
  private readonly heartbeatMs: number;
  private readonly batchMs: number;
  private readonly now: () => number;
  private url: string | undefined;
  private readonly local = new Set<string>();
  /** Local changes not announced yet: host → online. */
  private readonly pending = new Map<string, boolean>();
  private readonly holders = new Map<string, string>();
  private readonly replicas = new Map<string, Replica>();
  /** Replicas taken for dead: one heard from again is asked for its hosts. */
  private readonly dropped = new Set<string>();
  private readonly goneListeners = new Set<HostsGoneListener>();
  private readonly changeListeners = new Set<ElsewhereChangeListener>();
  private readonly unsubscribes: (() => void)[] = [];
  private batchTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private started = false;
  private closed = false;

  constructor(options: ReplicaPresenceOptions) {
    this.bus = options.bus;
    this.logger = options.logger.child({ component: "presence", replicaId: options.bus.replicaId });
    this.heartbeatMs = options.heartbeatMs ?? 5000;
    this.batchMs = options.batchMs ?? 75;
    this.now = options.now ?? Date.now;
    this.url = options.url;
  }

  get replicaId(): string {
    return this.bus.replicaId;
  }

  /** Where the other replicas reach this one, from the next heartbeat on. */
  announceAt(url: string): void {
    this.url = url;
  }

  /** Where another replica said it is reached; undefined for one not heard or that said none. */
  urlOf(replicaId: string): string | undefined {
    return this.replicas.get(replicaId)?.url;
  }

  private alive(): { kind: "replica-alive"; url?: string } {
    return this.url ? { kind: "replica-alive", url: this.url } : { kind: "replica-alive" };
  }

  /** Listens and asks the others to announce their hosts (which also says it is here). */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.unsubscribes.push(
      this.bus.subscribe((message) => this.receive(message)),
      this.bus.onReconnected(() => this.heardAgain()),
    );
    this.heartbeatTimer = setInterval(() => this.heartbeat(), this.heartbeatMs);
    this.heartbeatTimer.unref();
    await this.bus.publish({ kind: "presence-sync" });
  }

  /** An agent connected to this replica. */
  hostConnected(hostId: string): void {
    this.local.add(hostId);
    // Whatever another replica said about it is out of date now.
    this.forgetHolder(hostId);
    this.queue(hostId, true);
  }

  /** An agent left this replica. */
  hostDisconnected(hostId: string): void {
    if (!this.local.delete(hostId)) return;
    this.queue(hostId, false);
  }

  isOnlineElsewhere(hostId: string): boolean {
    return this.holders.has(hostId);
  }

  /** The replica the host's agent is connected to: this one's id when local, undefined when none. */
  replicaOf(hostId: string): string | undefined {
    if (this.local.has(hostId)) return this.replicaId;
    return this.holders.get(hostId);
  }

  /** How many hosts' agents are connected to other replicas. */
  get elsewhereCount(): number {
    return this.holders.size;
  }

  /** The other replicas heard from and not taken for dead. */
  knownReplicas(): string[] {
    return [...this.replicas.keys()];
  }

  /** Hosts whose replica died: their agents are gone until they connect somewhere else. */
  onHostsGone(listener: HostsGoneListener): () => void {
    this.goneListeners.add(listener);
    return () => this.goneListeners.delete(listener);
  }

  /**
   * `isOnlineElsewhere` changed through what other replicas said, or a replica taken for dead
   * (then `onHostsGone` follows for its hosts). A connect to this replica forgets where else the
   * host was without a change here: this replica's own connections say it is online.
   */
  onElsewhereChange(listener: ElsewhereChangeListener): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** Sends what is pending now instead of at the end of the batch window. */
  async flush(): Promise<void> {
    clearTimeout(this.batchTimer);
    this.batchTimer = undefined;
    if (this.pending.size === 0) return;
    const online: string[] = [];
    const offline: string[] = [];
    for (const [hostId, isOnline] of this.pending) (isOnline ? online : offline).push(hostId);
    this.pending.clear();
    // Offline first: a host that left and came back within the window is announced online.
    if (offline.length > 0) await this.bus.publish({ kind: "host-offline", hostIds: offline });
    if (online.length > 0) await this.bus.publish({ kind: "host-online", hostIds: online });
  }

  /**
   * Stops. A clean shutdown says its hosts are offline, so the others need not wait for its
   * heartbeats to stop; their agents will connect elsewhere.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.batchTimer);
    clearInterval(this.heartbeatTimer);
    for (const unsubscribe of this.unsubscribes) unsubscribe();
    this.pending.clear();
    if (this.started && this.local.size > 0) {
      await this.bus.publish({ kind: "host-offline", hostIds: [...this.local] });
    }
  }

  private queue(hostId: string, online: boolean): void {
    if (this.closed) return;
    this.pending.set(hostId, online);
    if (this.batchTimer) return;
    this.batchTimer = setTimeout(() => void this.flush(), this.batchMs);
    this.batchTimer.unref();
  }

  private receive(message: ClusterMessage): void {
    if (this.closed) return;
    const replica = this.heardFrom(message.replicaId);
    switch (message.kind) {
      case "host-online":
        // Recorded even for a host connected here too: its agent may have moved there while
        // its old socket here has not closed yet. replicaOf prefers the local connection.
        for (const hostId of message.hostIds) {
          const wasElsewhere = this.forgetHolder(hostId);
          this.holders.set(hostId, message.replicaId);
          replica.hosts.add(hostId);
          if (!wasElsewhere) this.changed(hostId, true);
        }
        return;
      case "host-offline":
        for (const hostId of message.hostIds) {
          if (this.holders.get(hostId) !== message.replicaId) continue;
          this.holders.delete(hostId);
          replica.hosts.delete(hostId);
          this.changed(hostId, false);
        }
        return;
      case "presence-sync":
        if (message.target === undefined || message.target === this.replicaId) {
          void this.announceAll();
        }
        return;
      case "replica-alive":
        if (message.url) replica.url = message.url;
        return;
      case "dispatch":
      case "cancel":
      case "job-event":
      case "wake":
      case "fleet-event":
      case "host-ended":
      case "throttle":
      case "push-schedules":
      case "link-spent":
      case "agent-query":
      case "agent-answer":
        return;
      default: {
        const _exhaustive: never = message;
        return;
      }
    }
  }

  private heardFrom(replicaId: string): Replica {
    let replica = this.replicas.get(replicaId);
    if (!replica) {
      replica = { hosts: new Set(), lastHeardAt: this.now() };
      this.replicas.set(replicaId, replica);
      if (this.dropped.delete(replicaId)) {
        // It was only silent (a stalled process, a slow network): its hosts may still be there.
        this.logger.warn(
          { event: "presence.replica_back", other: replicaId },
          "a replica taken for dead is heard again; asking it for its hosts",
        );
        void this.bus.publish({ kind: "presence-sync", target: replicaId });
      } else {
        this.logger.info({ event: "presence.replica_joined", other: replicaId }, "replica heard");
      }
    }
    replica.lastHeardAt = this.now();
    return replica;
  }

  /** Forgets which replica held the host; whether one did. */
  private forgetHolder(hostId: string): boolean {
    const holder = this.holders.get(hostId);
    if (holder === undefined) return false;
    this.holders.delete(hostId);
    this.replicas.get(holder)?.hosts.delete(hostId);
    return true;
  }

  private changed(hostId: string, online: boolean): void {
    for (const listener of [...this.changeListeners]) {
      this.safely(() => listener(hostId, online), "an elsewhere-change listener failed");
    }
  }

  private safely(call: () => void, message: string): void {
    try {
      call();
    } catch (error) {
      this.logger.error(
        {
          event: "presence.listener_failed",
          error: error instanceof Error ? error.message : String(error),
        },
        message,
      );
    }
  }

  /**
   * Says which hosts are here now: taken when asked, so what connects or leaves later follows
   * in the next batch, behind this on the bus.
   */
  private async announceAll(): Promise<void> {
    const sent = [this.bus.publish(this.alive())];
    if (this.local.size > 0) {
      sent.push(this.bus.publish({ kind: "host-online", hostIds: [...this.local] }));
    }
    await Promise.all(sent);
  }

  private heartbeat(): void {
    void this.bus.publish(this.alive());
    this.dropSilentReplicas();
  }

  private dropSilentReplicas(): void {
    // Silence heard through a broken connection says nothing about the others.
    if (!this.bus.listening) return;
    const deadline = this.now() - MISSED_HEARTBEATS * this.heartbeatMs;
    for (const [replicaId, replica] of this.replicas) {
      if (replica.lastHeardAt >= deadline) continue;
      this.replicas.delete(replicaId);
      this.rememberDropped(replicaId);
      const hostIds = [...replica.hosts];
      for (const hostId of hostIds) {
        this.holders.delete(hostId);
        this.changed(hostId, false);
      }
      this.logger.warn(
        { event: "presence.replica_gone", other: replicaId, hosts: hostIds.length },
        "a replica stopped saying it is alive; its hosts are taken for offline",
      );
      if (hostIds.length === 0) continue;
      for (const listener of [...this.goneListeners]) {
        this.safely(() => listener(hostIds, replicaId), "a hosts-gone listener failed");
      }
    }
  }

  private rememberDropped(replicaId: string): void {
    this.dropped.add(replicaId);
    // Replica ids are new on every start: keep only the latest few hundred.
    if (this.dropped.size > MAX_REMEMBERED_DROPPED) {
      const oldest = this.dropped.values().next();
      if (!oldest.done) this.dropped.delete(oldest.value);
    }
  }

  /** After the bus could not hear for a while: give everyone a fresh start and ask again. */
  private heardAgain(): void {
    if (this.closed) return;
    const now = this.now();
    for (const replica of this.replicas.values()) replica.lastHeardAt = now;
    void this.bus.publish({ kind: "presence-sync" });
  }
}
