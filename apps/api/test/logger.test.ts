import { spawn } from "node:child_process";
import { once } from "node:events";
import { closeSync, existsSync, mkdtempSync, openSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../src/logger.js";

const apiDir = path.resolve(import.meta.dirname, "..");
const loggerModule = path.join(apiDir, "src/logger.ts");

/**
 * A process that logs through the server's logger for a while (`log`), or writes with
 * console.error after guarding its standard streams (`console`), then says "done" and exits 0.
 */
const SCRIPT = `
const mode = process.argv[2];
const { createLogger, guardStandardStreams } = await import(${JSON.stringify(loggerModule)});
if (mode === "console") guardStandardStreams();
const logger = createLogger("info");
let lines = 0;
const tick = setInterval(() => {
  lines++;
  if (mode === "console") console.error("line", lines);
  else logger.info({ event: "tick", lines }, "x".repeat(200));
}, 2);
setTimeout(() => {
  clearInterval(tick);
  process.stderr.write("done " + lines + "\\n");
  process.exit(0);
}, 1000);
`;

function scriptFile(): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "rm-logger-")), "log.mts");
  writeFileSync(file, SCRIPT);
  return file;
}

function runScript(mode: "log" | "console", stdout: "pipe" | number) {
  const child = spawn(process.execPath, ["--import", "tsx", scriptFile(), mode], {
    cwd: apiDir,
    stdio: ["ignore", stdout, "pipe"],
  });
  const { stdout: out, stderr: err } = child;
  if (!err) throw new Error("no stderr pipe");
  let stderr = "";
  err.on("data", (d) => (stderr += d));
  // A process that hangs instead of going on fails here, not at the test's timeout.
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the process did not exit within 15 s: ${stderr}`));
    }, 15_000);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      resolve([code, signal]);
    });
  });
  /** Resolves with the first chunk the process writes to `stream`; fails if it exits first. */
  const firstWrite = (stream: NodeJS.ReadableStream) =>
    Promise.race([
      once(stream, "data"),
      exited.then(([code]) => {
        throw new Error(`the process exited (${code}) before writing: ${stderr}`);
      }),
    ]);
  return { out, err, exited, firstWrite, stderr: () => stderr };
}

/** The notices the logger wrote on stderr about its failed output. */
const noticesIn = (stderr: string) => stderr.match(/"event":"log\.output_failed"/g) ?? [];

describe("the server's logger", () => {
  it("writes to the destination it is given (the tests' sink)", () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    createLogger("info", sink).info({ event: "hello", password: "hunter2" }, "hi");
    expect(JSON.parse(lines[0] ?? "")).toMatchObject({ event: "hello", password: "[redacted]" });
  });

  it("keeps running when the reader of its stdout goes away, and says so once on stderr", async () => {
    const run = runScript("log", "pipe");
    if (!run.out) throw new Error("no stdout pipe");
    await run.firstWrite(run.out);
    run.out.destroy();
    expect(await run.exited).toEqual([0, null]);
    expect(run.stderr()).toMatch(/^done \d+$/m);
    expect(noticesIn(run.stderr())).toHaveLength(1);
    expect(run.stderr()).toContain('"code":"EPIPE"');
  });

  it.skipIf(!existsSync("/dev/full"))(
    "keeps running when its stdout cannot be written at all (a full disk), and says so once",
    async () => {
      const full = openSync("/dev/full", "w");
      const run = runScript("log", full);
      closeSync(full);
      expect(await run.exited).toEqual([0, null]);
      expect(run.stderr()).toMatch(/^done \d+$/m);
      expect(noticesIn(run.stderr())).toHaveLength(1);
      expect(run.stderr()).toContain('"code":"ENOSPC"');
    },
  );

  it("guards the standard streams: console.error into a closed stderr does not end the process", async () => {
    const run = runScript("console", "pipe");
    await run.firstWrite(run.err);
    run.err.destroy();
    run.out?.destroy();
    expect(await run.exited).toEqual([0, null]);
  });
});
