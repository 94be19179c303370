import { EventEmitter } from "node:events";
import type { TAgentCommand } from "@restic-manager/contracts";

/** What the server can do to one connected agent. */
export interface AgentConnection {
  hostId: string;
  connectedAt: Date;
  /** Queues a command on the agent's command subscription. */
  send(command: TAgentCommand): void;
  /** Closes the socket (e.g. the host was revoked, or a newer connection replaced it). */
  close(code: number, reason: string): void;
}

/**
 * The live agent connections of this server process. Online/offline is read from here;
 * `offlineSince` lets the job sweeper decide when an absent agent's jobs are lost.
 */
export class AgentRegistry {
  private readonly connections = new Map<string, AgentConnection>();
  private readonly offlineSince = new Map<string, number>();
  private readonly startedAt: number;
  readonly events = new EventEmitter<{ online: [string]; offline: [string] }>();

  constructor(private readonly now: () => number = Date.now) {
    this.startedAt = now();
  }

  register(connection: AgentConnection): void {
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

  disconnect(hostId: string, code: number, reason: string): void {
    this.connections.get(hostId)?.close(code, reason);
  }

  closeAll(reason: string): void {
    for (const connection of this.connections.values()) connection.close(1001, reason);
  }

  get size(): number {
    return this.connections.size;
  }
}
