import { type ChildProcess, execFileSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";

/**
 * What the harness starts and must stop: child processes and temporary directories. Every
 * one is killed or removed at exit, whether the run ended, failed or was interrupted.
 */
const children = new Set<ChildProcess>();
const directories = new Set<string>();

export function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

export function removeAtExit(dir: string): string {
  directories.add(dir);
  return dir;
}

export function cleanUp(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
  children.clear();
  if (process.env.BENCH_KEEP) return;
  for (const dir of directories) rmSync(dir, { recursive: true, force: true });
  directories.clear();
}

process.once("exit", cleanUp);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.once(signal, () => {
    cleanUp();
    process.exit(130);
  });
}

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** Resident memory of a process, from /proc (what the kernel holds for it, heap or not). */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  return kb ? Number(kb) / 1024 : Number.NaN;
}

const CLOCK_TICKS = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;

/** CPU time a process has used so far (user + system), in milliseconds. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) / CLOCK_TICKS) * 1000;
}

/** Share of one core a process used between two cpuMs readings. */
export function cpuPercent(startCpuMs: number, endCpuMs: number, wallMs: number): number {
  return wallMs > 0 ? ((endCpuMs - startCpuMs) / wallMs) * 100 : 0;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits for a condition with a deadline; the error says what did not happen. */
export async function until(
  test: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs: number,
  everyMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await sleep(everyMs);
  }
}
