import { type ChildProcess, spawn } from "node:child_process";
import { track } from "./proc.js";

export interface BareProcess {
  pid: number;
  socketUrl: string;
  stop(): Promise<void>;
}

/** Starts the bundled baseline server (bareServer.ts) and waits until it listens. */
export async function startBare(bareJs: string, port: number): Promise<BareProcess> {
  const child: ChildProcess = track(
    spawn(process.execPath, [bareJs, String(port)], { stdio: ["ignore", "pipe", "inherit"] }),
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("listening")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`the bare server exited (${code})`)));
  });
  return {
    pid: child.pid ?? -1,
    socketUrl: `ws://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}
