import { fork } from "node:child_process";
import path from "node:path";
import { track, until } from "./proc.js";
import type { FromWorker, ToWorker } from "./protocol.js";

/**
 * The simulated fleet, spread over several child processes so the client side is not what
 * limits the figures. Aggregates what the workers report.
 */
export class Workers {
  private readonly status = new Map<number, Extract<FromWorker, { type: "status" }>>();
  /** Connect times (epoch ms) reported since the last resetConnects. */
  connectTimes: number[] = [];
  /** Job id → when its command reached the agent. */
  readonly received = new Map<string, number>();
  /** Job id → progress samples its agent (or bare client) sent. */
  readonly sent = new Map<string, number>();
  private readonly children;

  constructor(count: number) {
    this.children = Array.from({ length: count }, (_, index) => {
      const child = track(
        fork(path.join(import.meta.dirname, "clientWorker.ts"), [], {
          stdio: ["ignore", "inherit", "inherit", "ipc"],
        }),
      );
      child.on("message", (message: FromWorker) => this.take(index, message));
      return child;
    });
  }

  /** The workers' process ids: their CPU shows whether the client side kept up. */
  pids(): number[] {
    return this.children.flatMap((child) => (child.pid === undefined ? [] : [child.pid]));
  }

  get size(): number {
    return this.children.length;
  }

  private take(index: number, message: FromWorker): void {
    switch (message.type) {
      case "status":
        this.status.set(index, message);
        this.connectTimes.push(...message.connectTimes);
        break;
      case "received":
        for (const [id, at] of message.jobs) this.received.set(id, at);
        break;
      case "sent":
        for (const [id, count] of message.counts) this.sent.set(id, count);
        break;
      case "stopped":
        break;
      default: {
        const exhaustive: never = message;
        throw new Error(`unknown message ${JSON.stringify(exhaustive)}`);
      }
    }
  }

  send(index: number, message: ToWorker): void {
    this.children[index]?.send(message);
  }

  broadcast(message: ToWorker): void {
    for (const child of this.children) child.send(message);
  }

  /** Splits items over the workers: worker i gets every size-th item from i. */
  share<T>(items: readonly T[], index: number): T[] {
    return items.filter((_, i) => i % this.children.length === index);
  }

  connected(): number {
    let sum = 0;
    for (const status of this.status.values()) sum += status.connected;
    return sum;
  }

  connectedSinceReset(): number {
    let sum = 0;
    for (const status of this.status.values()) sum += status.connectedSinceReset;
    return sum;
  }

  warnings(): Record<string, number> {
    const all: Record<string, number> = {};
    for (const status of this.status.values()) {
      for (const [event, count] of Object.entries(status.warnings)) {
        all[event] = (all[event] ?? 0) + count;
      }
    }
    return all;
  }

  resetConnects(): void {
    this.broadcast({ type: "resetConnects" });
    this.connectTimes = [];
    for (const status of this.status.values()) status.connectedSinceReset = 0;
  }

  async waitForConnected(count: number, timeoutMs: number, since = false): Promise<void> {
    await until(
      () => (since ? this.connectedSinceReset() : this.connected()) >= count,
      `${count} clients connected (${since ? this.connectedSinceReset() : this.connected()} so far)`,
      timeoutMs,
      100,
    );
  }

  async stop(): Promise<void> {
    const exits = this.children.map(
      (child) => new Promise<void>((resolve) => child.once("exit", () => resolve())),
    );
    this.broadcast({ type: "stop" });
    await Promise.race([Promise.all(exits), new Promise((resolve) => setTimeout(resolve, 10_000))]);
    for (const child of this.children) if (child.exitCode === null) child.kill("SIGKILL");
  }
}

/** Loopback source addresses for worker `index`: 127.<index+1>.0.1 … (all of 127/8 is local). */
export function sourceAddresses(index: number, count: number): string[] {
  return Array.from(
    { length: count },
    (_, i) => `127.${index + 1}.${Math.floor(i / 250)}.${(i % 250) + 1}`,
  );
}
