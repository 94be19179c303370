import type { TAgentCommand } from "@restic-manager/contracts";

/**
 * The commands waiting for one agent's subscription. Node's `events.on()` over an
 * EventEmitter did this before, but its iterator preallocates its queue (2,048 slots, twice):
 * about 37 KB per connected agent for a queue that is empty nearly all the time, 370 MB at
 * 10,000 agents. This holds an array and one pending wake-up.
 */
export class CommandQueue {
  private items: TAgentCommand[] = [];
  private wake: (() => void) | undefined;
  private closed = false;

  /** Queues a command; after close, it is dropped (the agent is gone). */
  push(command: TAgentCommand): void {
    if (this.closed) return;
    this.items.push(command);
    this.wake?.();
  }

  close(): void {
    this.closed = true;
    this.wake?.();
  }

  /** Yields each command in order until the queue is closed or `signal` aborts. */
  async *commands(signal?: AbortSignal): AsyncGenerator<TAgentCommand> {
    const onAbort = () => this.close();
    if (signal?.aborted) this.close();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      while (!this.closed) {
        if (this.items.length === 0) {
          await new Promise<void>((resolve) => {
            this.wake = resolve;
          });
          this.wake = undefined;
          continue;
        }
        const batch = this.items;
        this.items = [];
        for (const command of batch) {
          if (this.closed) return;
          yield command;
        }
      }
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  }
}
