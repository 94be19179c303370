import type { SeededHost } from "./seed.js";

/** What the harness tells a client worker (a child process holding part of the fleet). */
export type ToWorker =
  | {
      type: "agents";
      serverUrl: string;
      hosts: SeededHost[];
      stateDir: string;
      /** Loopback source addresses the sockets take turns on (see clientWorker.ts). */
      addresses: string[];
      /** New connections per second while the fleet first comes up. */
      rampPerSecond: number;
    }
  | {
      type: "bare";
      socketUrl: string;
      ids: string[];
      addresses: string[];
      rampPerSecond: number;
    }
  /** Forget the connects seen so far: the next status counts those after this moment. */
  | { type: "resetConnects" }
  /** How the fake restic behaves for the backups that arrive from now on. */
  | { type: "plan"; mode: "short" | "progress"; ratePerJob: number }
  /** Progress jobs start emitting now and stop at `untilEpochMs`. */
  | { type: "go"; untilEpochMs: number }
  /** Bare clients with these ids emit progress at `ratePerJob` until `untilEpochMs`. */
  | { type: "bareProgress"; ids: string[]; ratePerJob: number; untilEpochMs: number }
  | { type: "stop" };

/** What a client worker reports. Times are epoch milliseconds (one machine, one clock). */
export type FromWorker =
  | {
      type: "status";
      /** Clients whose link is up (an agent: it reconciled with the server). */
      connected: number;
      /** Clients that connected since the last resetConnects. */
      connectedSinceReset: number;
      /** Connect times since the previous status (since the last resetConnects). */
      connectTimes: number[];
      warnings: Record<string, number>;
    }
  /** Job commands as they arrived at the agents: [jobId, epoch ms]. */
  | { type: "received"; jobs: Array<[string, number]> }
  /** Progress samples handed to the link per job once a run ended: [jobId, count]. */
  | { type: "sent"; counts: Array<[string, number]> }
  | { type: "stopped" };
