import { type ChildProcess, spawn } from "node:child_process";
import { constants as osConstants } from "node:os";
import { z } from "zod";

/**
 * How a new agent is started on trial by an update, and who waits for it.
 *
 * Node.js cannot exec(): after the first update, the process the service started stays as a
 * small waiter whose child is the agent. It forwards SIGTERM/SIGINT and exits with the child's
 * code, which keeps every way the agent is run working the same: systemd's main PID and
 * Restart=on-failure, the Windows task, and a terminal (where an exit with a "restart me" code
 * would simply end the agent). It costs one process's memory (about 75 MB RSS measured) until
 * the service restarts.
 *
 * A later update does not add a second waiter: the agent under one asks it to start the next
 * agent, is told what that one says and prints, and, once the server has accepted it, asks the
 * waiter to wait for the new one instead and exits. However many updates, the service is one
 * waiter and one agent.
 */

/** Set in a new agent's environment while it is on trial: the update job it finishes. */
export const TRIAL_ENV = { job: "RM_AGENT_UPDATE_JOB", from: "RM_AGENT_UPDATE_FROM" } as const;

/** What a new agent on trial says to the process that started it (over the IPC channel). */
export const ZTrialMessage = z.discriminatedUnion("type", [
  z.object({ type: z.literal("agent-update.connected") }),
  z.object({ type: z.literal("agent-update.refused"), reason: z.string() }),
]);
export type TrialMessage = z.infer<typeof ZTrialMessage>;

/** What the agent under a waiter asks of it. */
const ZWaiterRequest = z.discriminatedUnion("type", [
  /** Start this bundle with these arguments and extra environment, on trial. */
  z.object({
    type: z.literal("waiter.start"),
    bundle: z.string().min(1),
    args: z.array(z.string()),
    env: z.record(z.string(), z.string()),
  }),
  /** The new agent was accepted: wait for it from now on (the asking agent exits). */
  z.object({ type: z.literal("waiter.adopt") }),
  /** The trial failed: stop the new agent. */
  z.object({ type: z.literal("waiter.stop") }),
]);
type WaiterRequest = z.infer<typeof ZWaiterRequest>;

/** What the waiter tells the agent about the one on trial. */
const ZWaiterEvent = z.discriminatedUnion("type", [
  /** The new agent is the waiter's now: the asking agent may exit. */
  z.object({ type: z.literal("waiter.adopted") }),
  z.object({ type: z.literal("waiter.said"), message: ZTrialMessage }),
  z.object({ type: z.literal("waiter.stderr"), data: z.string() }),
  z.object({
    type: z.literal("waiter.exited"),
    code: z.number().int().nullable(),
    signal: z.string().nullable(),
  }),
]);
type WaiterEvent = z.infer<typeof ZWaiterEvent>;

/** A new agent on trial, started by this process or, under a waiter, by the waiter. */
export interface TrialProcess {
  onMessage(listener: (message: TrialMessage) => void): void;
  onStderr(listener: (chunk: string) => void): void;
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  /** SIGTERM, then SIGKILL after 10 s; resolves once it is gone. */
  stop(): Promise<void>;
  /**
   * It was accepted: from now on it is the agent. Started here, this process becomes its waiter
   * (`becomeWaiter`); started by the waiter, the waiter adopts it and this process exits.
   */
  handOver(becomeWaiter: (child: ChildProcess) => void): void;
}

/** How long an agent that handed over waits for the waiter to take the new one. */
const ADOPT_TIMEOUT_MS = 30_000;

/** True in an agent that a waiter started (it talks to the waiter over IPC). */
function underWaiter(): boolean {
  return typeof process.send === "function" && process.env[TRIAL_ENV.job] !== undefined;
}

/** Starts `bundle` on trial with `args` and, added to this environment, `env`. */
export function startTrial(bundle: string, args: string[], env: Record<string, string>) {
  return underWaiter() ? startThroughWaiter(bundle, args, env) : startHere(bundle, args, env);
}

function spawnAgent(bundle: string, args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [...process.execArgv, bundle, ...args], {
    env: { ...process.env, ...env },
    // Its log goes on to ours (journald keeps it); stderr also explains a failed trial.
    stdio: ["ignore", "inherit", "pipe", "ipc"],
  });
}

function startHere(bundle: string, args: string[], env: Record<string, string>): TrialProcess {
  const child = spawnAgent(bundle, args, env);
  child.stderr?.on("data", (chunk: Buffer) => process.stderr.write(chunk));
  const exits: Array<(code: number | null, signal: string | null) => void> = [];
  child.once("exit", (code, signal) => {
    for (const listener of exits) listener(code, signal);
  });
  // Not started at all (no exit follows): a failed trial, not a crash of this process.
  child.on("error", () => {
    if (child.pid === undefined) for (const listener of exits.splice(0)) listener(null, null);
  });
  return {
    onMessage: (listener) =>
      child.on("message", (message) => {
        const parsed = ZTrialMessage.safeParse(message);
        if (parsed.success) listener(parsed.data);
      }),
    onStderr: (listener) => child.stderr?.on("data", (chunk: Buffer) => listener(String(chunk))),
    onExit: (listener) => exits.push(listener),
    stop: () => stopChild(child),
    handOver: (becomeWaiter) => becomeWaiter(child),
  };
}

function startThroughWaiter(
  bundle: string,
  args: string[],
  env: Record<string, string>,
): TrialProcess {
  const messages: Array<(message: TrialMessage) => void> = [];
  const stderr: Array<(chunk: string) => void> = [];
  let exited: { code: number | null; signal: string | null } | undefined;
  const exits: Array<(code: number | null, signal: string | null) => void> = [];
  const fromWaiter = (raw: unknown) => {
    const parsed = ZWaiterEvent.safeParse(raw);
    if (!parsed.success) return;
    const event: WaiterEvent = parsed.data;
    switch (event.type) {
      case "waiter.said":
        for (const listener of messages) listener(event.message);
        return;
      case "waiter.stderr":
        for (const listener of stderr) listener(event.data);
        return;
      case "waiter.exited":
        exited = { code: event.code, signal: event.signal };
        process.off("message", fromWaiter);
        for (const listener of exits) listener(event.code, event.signal);
        return;
      case "waiter.adopted":
        return;
    }
  };
  process.on("message", fromWaiter);
  const ask = (request: WaiterRequest, then?: () => void) =>
    process.send?.(request, undefined, undefined, () => then?.());
  ask({ type: "waiter.start", bundle, args, env });
  return {
    onMessage: (listener) => messages.push(listener),
    onStderr: (listener) => stderr.push(listener),
    onExit: (listener) => exits.push(listener),
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited) return resolve();
        exits.push(() => resolve());
        ask({ type: "waiter.stop" });
      }),
    handOver: () => {
      process.off("message", fromWaiter);
      // Once the waiter has adopted the new agent, this one's part is over: it already stopped
      // its link and schedules, and the new agent reports the update job. Exiting before
      // would end the waiter too (it exits with its agent).
      const leave = () => process.exit(0);
      process.on("message", (raw) => {
        if (ZWaiterEvent.safeParse(raw).data?.type === "waiter.adopted") leave();
      });
      setTimeout(leave, ADOPT_TIMEOUT_MS).unref();
      ask({ type: "waiter.adopt" });
    },
  };
}

/** SIGTERM, then SIGKILL after 10 s: the old agent connects again only once it is gone. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(killer);
}

/**
 * Makes this process the waiter of `agent` (a new agent the server accepted): it only forwards
 * signals, starts the agents later updates ask for, and exits with the agent's code.
 */
export function becomeWaiter(agent: ChildProcess): void {
  let current = agent;
  /** The agent the current one asked for, on trial. */
  let next: ChildProcess | undefined;

  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.on(signal, () => {
      current.kill(signal);
      next?.kill(signal);
    });
  }

  const tell = (event: WaiterEvent) => {
    // The asking agent may be gone (its exit ends this process): a failed send is no error.
    if (current.connected) current.send(event, undefined, undefined, () => undefined);
  };

  const serve = (child: ChildProcess) => {
    child.on("error", () => undefined); // a closed IPC channel: its exit says the rest
    child.once("exit", (code, signal) => {
      if (child !== current) return; // an agent that handed over
      process.exit(exitCodeOf(code, signal));
    });
    child.on("message", (raw) => {
      if (child !== current) return;
      const parsed = ZWaiterRequest.safeParse(raw);
      if (parsed.success) handle(parsed.data);
    });
  };

  const handle = (request: WaiterRequest) => {
    switch (request.type) {
      case "waiter.start": {
        if (next) {
          // One trial at a time: this one fails at once instead of waiting for nothing.
          tell({ type: "waiter.exited", code: null, signal: null });
          return;
        }
        const started = spawnAgent(request.bundle, request.args, request.env);
        next = started;
        started.on("error", (error) => {
          // Only a process that never started is over; others say so by exiting.
          if (started.pid !== undefined || started !== next) return;
          process.stderr.write(`could not start the new agent: ${error.message}\n`);
          next = undefined;
          tell({ type: "waiter.exited", code: null, signal: null });
        });
        started.stderr?.on("data", (chunk: Buffer) => {
          process.stderr.write(chunk);
          if (started === next) tell({ type: "waiter.stderr", data: String(chunk) });
        });
        started.on("message", (raw) => {
          const parsed = ZTrialMessage.safeParse(raw);
          if (parsed.success && started === next)
            tell({ type: "waiter.said", message: parsed.data });
        });
        started.once("exit", (code, signal) => {
          if (started !== next) return;
          next = undefined;
          tell({ type: "waiter.exited", code, signal });
        });
        return;
      }
      case "waiter.adopt": {
        if (!next) return;
        const previous = current;
        current = next;
        next = undefined;
        serve(current);
        // Its exit is ignored from now on: only then may it leave.
        if (previous.connected) {
          previous.send({ type: "waiter.adopted" }, undefined, undefined, () => undefined);
        }
        return;
      }
      case "waiter.stop":
        if (next) void stopChild(next);
        return;
    }
  };

  serve(current);
}

/** The child's exit code, or the one a signal stands for as shells report it. */
function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  return code ?? (signal ? 128 + (osConstants.signals[signal] ?? 0) : 1);
}
