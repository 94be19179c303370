import type { TAgentCommand } from "@restic-manager/contracts";
import { describe, expect, it } from "vitest";
import { AsyncQueue } from "../src/asyncQueue.js";

const cancel = (jobId: string): TAgentCommand => ({ type: "cancel", jobId });

describe("an agent's command queue", () => {
  it("yields commands queued before and after the agent started reading, in order", async () => {
    const queue = new AsyncQueue<TAgentCommand>();
    queue.push(cancel("a"));
    const seen: string[] = [];
    const reading = (async () => {
      for await (const command of queue.drain()) {
        if (command.type === "cancel") seen.push(command.jobId);
        if (seen.length === 3) queue.close();
      }
    })();
    queue.push(cancel("b"));
    await Promise.resolve();
    queue.push(cancel("c"));
    await reading;
    expect(seen).toEqual(["a", "b", "c"]);
  });

  it("ends when the subscription's signal aborts, and drops what is sent after", async () => {
    const queue = new AsyncQueue<TAgentCommand>();
    const abort = new AbortController();
    const seen: TAgentCommand[] = [];
    const reading = (async () => {
      for await (const command of queue.drain(abort.signal)) seen.push(command);
    })();
    queue.push(cancel("a"));
    await new Promise((resolve) => setImmediate(resolve));
    abort.abort();
    await reading;
    queue.push(cancel("late"));
    expect(seen).toEqual([cancel("a")]);
  });

  it("yields nothing for a signal that had already aborted", async () => {
    const queue = new AsyncQueue<TAgentCommand>();
    queue.push(cancel("a"));
    const seen: TAgentCommand[] = [];
    for await (const command of queue.drain(AbortSignal.abort())) seen.push(command);
    expect(seen).toEqual([]);
  });
});
