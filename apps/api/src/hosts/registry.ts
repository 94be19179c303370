import { EventEmitter } from "node:events";
import type { TAgentCommand } from "@restic-manager/contracts";

/** What the server can do to one connected agent. */
export interface AgentConnection {
  hostId: string;
  /** The host's name, as read when it connected (names do not change). */
  hostName?: string;
  connectedAt: Date;
  /** The agent protocol it speaks: schedules need 2. */
  protocolVersion?: number;
  /** Queues a command on the agent's command subscription. */
  send(command: TAgentCommand): void;
  /** Closes the socket (e.g. the host was revoked, or a newer connection replaced it). */
  close(code: number, reason: string): void;
}

/** An authenticated agent socket, whether or not it has subscribed to commands yet. */
export interface AgentSocket {
  close(code: number, reason: string): void;
}

/** Which hosts' agents are connected to other API replicas (see cluster/presence.ts). */
export interface ElsewherePresence {
  isOnlineElsewhere(hostId: string): boolean;
  /** How many hosts' agents are connected to other replicas. */
  readonly elsewhereCount: number;
}

/**
 * The live agent connections of this server process, and, with several API replicas, which
 * hosts are connected to the others. Online/offline is read from here;
 * `offlineSince` lets the job sweeper decide when an absent agent's jobs are lost.
 *
 * Every authenticated socket is tracked, not only the one holding the command subscription:
 * ending a host (revoke, delete) closes all of them, and every later call from any of them
 * is refused through `isEnded`, a lookup in memory.
 */
export class AgentRegistry {
  private readonly connections = new Map<string, AgentConnection>();
  private readonly sockets = new Map<string, Set<AgentSocket>>();
  private readonly ended = new Set<string>();
  private readonly offlineSince = new Map<string, number>();
  private readonly startedAt: number;
  private elsewhere: ElsewherePresence | undefined;
  /** A host coming online or going offline, here or on another replica. */
  readonly events = new EventEmitter<{ online: [string]; offline: [string] }>();
  /** An agent connecting to or leaving this process, for the other replicas to hear of. */
  readonly local = new EventEmitter<{
    connected: [string];
    disconnected: [string];
    ended: [hostId: string, reason: string];
  }>();

  constructor(private readonly now: () => number = Date.now) {
    this.startedAt = now();
  }

  /** Tracks an authenticated socket until the returned function is called (on its close). */
  attach(hostId: string, socket: AgentSocket): () => void {
    if (this.ended.has(hostId)) {
      socket.close(4003, "host revoked");
      return () => undefined;
    }
    const sockets = this.sockets.get(hostId) ?? new Set<AgentSocket>();
    sockets.add(socket);
    this.sockets.set(hostId, sockets);
    return () => {
      sockets.delete(socket);
      if (sockets.size === 0 && this.sockets.get(hostId) === sockets) this.sockets.delete(hostId);
    };
  }

  /** True once the host was revoked or deleted: its sockets may do nothing more. */
  isEnded(hostId: string): boolean {
    return this.ended.has(hostId);
  }

  /** Revoked or deleted: every socket of the host closes, and none is accepted again. */
  end(hostId: string, reason: string): void {
    const first = !this.ended.has(hostId);
    this.ended.add(hostId);
    if (first) this.local.emit("ended", hostId, reason);
    this.connections.get(hostId)?.close(4003, reason);
    for (const socket of this.sockets.get(hostId) ?? []) socket.close(4003, reason);
    this.sockets.delete(hostId);
  }

  register(connection: AgentConnection): void {
    if (this.ended.has(connection.hostId)) {
      connection.close(4003, "host revoked");
      return;
    }
    const previous = this.connections.get(connection.hostId);
    this.connections.set(connection.hostId, connection);
    this.offlineSince.delete(connection.hostId);
    // One live connection per host: a reconnect replaces a half-dead older socket.
    previous?.close(4000, "replaced by a newer connection");
    this.local.emit("connected", connection.hostId);
    this.events.emit("online", connection.hostId);
  }

  unregister(connection: AgentConnection): void {
    if (this.connections.get(connection.hostId) !== connection) return;
    this.connections.delete(connection.hostId);
    this.local.emit("disconnected", connection.hostId);
    // Moved to another replica already: still online.
    if (this.elsewhere?.isOnlineElsewhere(connection.hostId)) return;
    this.offlineSince.set(connection.hostId, this.now());
    this.events.emit("offline", connection.hostId);
  }

  /** The connection to this host's agent when it is connected to this process. */
  get(hostId: string): AgentConnection | undefined {
    return this.connections.get(hostId);
  }

  /** Whether the host's agent is connected, here or to another replica. */
  isOnline(hostId: string): boolean {
    return this.connections.has(hostId) || (this.elsewhere?.isOnlineElsewhere(hostId) ?? false);
  }

  /** Milliseconds the host has been away; hosts never seen by this process count from start-up. */
  offlineForMs(hostId: string): number {
    if (this.isOnline(hostId)) return 0;
    return this.now() - (this.offlineSince.get(hostId) ?? this.startedAt);
  }

  closeAll(reason: string): void {
    for (const connection of this.connections.values()) connection.close(1001, reason);
  }

  /** Hosts online: connected here or to another replica. */
  get size(): number {
    return this.connections.size + (this.elsewhere?.elsewhereCount ?? 0);
  }

  /** Agents connected to this process. */
  get localSize(): number {
    return this.connections.size;
  }

  /** Reads other replicas' hosts from `presence` from now on (several API replicas). */
  useElsewhere(presence: ElsewherePresence): void {
    this.elsewhere = presence;
  }

  /**
   * Another replica said a host's agent connected to it or left it: told to this process's
   * listeners unless the agent is (also) connected here.
   */
  changedElsewhere(hostId: string, online: boolean): void {
    if (this.connections.has(hostId)) return;
    if (online) {
      this.offlineSince.delete(hostId);
      this.events.emit("online", hostId);
    } else {
      this.offlineSince.set(hostId, this.now());
      this.events.emit("offline", hostId);
    }
  }
}
