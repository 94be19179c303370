/**
 * What waits for one subscriber: an agent's commands, a browser's job events. Node's
 * `events.on()` over an EventEmitter did this before, but its iterator preallocates its queue
 * (2,048 slots, twice): about 37 KB per subscriber for a queue that is empty nearly all the
 * time, 370 MB at 10,000 agents. This holds an array and one pending wake-up.
 */
export class AsyncQueue<T> {
  private items: T[] = [];
  private wake: (() => void) | undefined;
  private closed = false;

  /** Queues an item; after close, it is dropped (the subscriber is gone). */
  push(item: T): void {
    if (this.closed) return;
    this.items.push(item);
    this.wake?.();
  }

  close(): void {
    this.closed = true;
    this.wake?.();
  }

  /** Yields each item in order until the queue is closed or `signal` aborts. */
  async *drain(signal?: AbortSignal): AsyncGenerator<T> {
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
        for (const item of batch) {
          if (this.closed) return;
          yield item;
        }
      }
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  }
}
