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

/**
 * The live agent connections of this server process. Online/offline is read from here;
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
  readonly events = new EventEmitter<{ online: [string]; offline: [string] }>();

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
    this.ended.add(hostId);
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
    this.events.emit("online", connection.hostId);
  }

  unregister(connection: AgentConnection): void {
    if (this.connections.get(connection.hostId) !== connection) return;
    this.connections.delete(connection.hostId);
    this.offlineSince.set(connection.hostId, this.now());
    this.events.emit("offline", connection.hostId);
  }

  get(hostId: string): AgentConnection | undefined {
    return this.connections.get(hostId);
  }

  isOnline(hostId: string): boolean {
    return this.connections.has(hostId);
  }

  /** Milliseconds the host has been away; hosts never seen by this process count from start-up. */
  offlineForMs(hostId: string): number {
    if (this.connections.has(hostId)) return 0;
    return this.now() - (this.offlineSince.get(hostId) ?? this.startedAt);
  }

  closeAll(reason: string): void {
    for (const connection of this.connections.values()) connection.close(1001, reason);
  }

  get size(): number {
    return this.connections.size;
  }
}
