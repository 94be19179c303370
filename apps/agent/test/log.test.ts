import { spawn } from "node:child_process";
import { once } from "node:events";
import { waitFor } from "@restic-manager/test-support";
import { describe, expect, it } from "vitest";
import { createLog, type LogSink, streamSink } from "../src/log.js";

/** A sink that keeps what it was given, and fails on demand. */
function memorySink() {
  const lines: string[] = [];
  const listeners: ((error: Error) => void)[] = [];
  let throwOnWrite: Error | undefined;
  const sink: LogSink = {
    write(line) {
      if (throwOnWrite) throw throwOnWrite;
      lines.push(line);
    },
    onError: (listener) => void listeners.push(listener),
  };
  return {
    sink,
    lines,
    events: () => lines.map((line) => (JSON.parse(line) as { event: string }).event),
    failOnWrite: (error: Error) => {
      throwOnWrite = error;
    },
    emitError: (error: Error) => {
      for (const listener of listeners) listener(error);
    },
  };
}

describe("the agent's log", () => {
  it("writes one JSON line per event, with its fields", () => {
    const out = memorySink();
    const log = createLog({ sink: out.sink });
    log.info("job.accepted", { jobId: "j1" });
    expect(JSON.parse(out.lines[0] ?? "")).toMatchObject({
      level: "info",
      event: "job.accepted",
      jobId: "j1",
    });
    expect(out.lines[0]?.endsWith("\n")).toBe(true);
    expect(log.failure).toBeNull();
  });

  it("drops a sink that throws: later lines are skipped and the fallback hears of it once", () => {
    const out = memorySink();
    const fallback = memorySink();
    const log = createLog({ sink: out.sink, fallback: fallback.sink });
    log.info("first");
    out.failOnWrite(new Error("write EPIPE"));
    expect(() => log.warn("second")).not.toThrow();
    expect(() => log.error("third")).not.toThrow();
    expect(out.events()).toEqual(["first"]);
    expect(fallback.events()).toEqual(["log.output_failed"]);
    expect(JSON.parse(fallback.lines[0] ?? "")).toMatchObject({ message: "write EPIPE" });
    expect(log.failure).toBe("write EPIPE");
  });

  it("drops a sink that reports an error later, and survives a fallback that fails too", () => {
    const out = memorySink();
    const fallback = memorySink();
    fallback.failOnWrite(new Error("write EPIPE"));
    const log = createLog({ sink: out.sink, fallback: fallback.sink });
    out.emitError(new Error("write EPIPE"));
    out.emitError(new Error("write after end"));
    expect(() => log.info("after")).not.toThrow();
    expect(out.lines).toEqual([]);
    expect(log.failure).toBe("write EPIPE");
  });

  it("keeps the line when a field cannot be written as JSON", () => {
    const out = memorySink();
    const log = createLog({ sink: out.sink });
    log.info("odd", { size: 1n });
    expect(JSON.parse(out.lines[0] ?? "")).toMatchObject({ event: "odd" });
    expect(JSON.parse(out.lines[0] ?? "")).toHaveProperty("unloggable");
  });

  it("writes into a real pipe whose reader has gone without throwing or an unhandled error", async () => {
    // The reader closes its end of the pipe and stays alive, as `| head -c 100` does.
    const reader = spawn(
      process.execPath,
      ["-e", "require('fs').closeSync(0); console.log('closed'); setTimeout(() => {}, 30000)"],
      { stdio: ["pipe", "pipe", "ignore"] },
    );
    try {
      await once(reader.stdout, "data");
      const fallback = memorySink();
      const log = createLog({ sink: streamSink(reader.stdin), fallback: fallback.sink });
      for (let i = 0; i < 100; i++) log.info("line", { i });
      // The broken pipe is reported asynchronously, as an 'error' event on the stream.
      await waitFor(() => log.failure ?? undefined, { what: "the pipe to fail" });
      expect(log.failure).toMatch(/EPIPE/);
      log.info("after");
      expect(fallback.events()).toEqual(["log.output_failed"]);
    } finally {
      reader.kill();
    }
  });
});
