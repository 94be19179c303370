import type { AppRouter } from "@restic-manager/api/router";
import {
  AGENT_LIMITS,
  type TAgentCommand,
  type TAgentHello,
  type TJobFinished,
  type TLogLine,
  type TQueryReply,
  type TResticProgress,
  type TScheduledRun,
  type TScheduleMissReport,
  ZAgentCommand,
} from "@restic-manager/contracts";
import { createTRPCClient, createWSClient, wsLink } from "@trpc/client";
import superjson from "superjson";
import { WebSocket } from "ws";
import type { z } from "zod";
import { type AgentConfig, serverUrlsOf } from "./config.js";
import type { Log } from "./log.js";
import { agentSocketUrl } from "./platform.js";
import type { AgentJob, JobReporter } from "./runner.js";
import type { ScheduleReporter } from "./schedules/scheduler.js";
import { ServerRotation } from "./servers.js";
import type { Spool } from "./spool.js";

export type ConnectionState = "connecting" | "connected" | "disconnected" | "refused";

export interface AgentLinkOptions {
  config: AgentConfig;
  hello: () => TAgentHello;
  spool: Spool;
  log: Log;
  runningJobIds: () => string[];
  onCommand: (command: TAgentCommand) => void;
  /** `server`: the URL of the server the state is about. */
  onStateChange: (state: ConnectionState, error: string | null, server: string) => void;
  /** The server took the first reconcile: this agent is accepted (not merely connected). */
  onAccepted?: () => void;
}

const LOG_FLUSH_MS = 300;
/**
 * How long an attempt may take to open the socket. A server whose machine is gone often drops
 * packets instead of refusing them, and the system would wait minutes before the agent could try
 * the next server.
 */
export const CONNECT_TIMEOUT_MS = 10_000;
const MAX_BUFFERED_LOG_LINES = 1000;

/** Room left in a message for everything but the result. */
const RESULT_BUDGET_BYTES = AGENT_LIMITS.maxMessageBytes - 64 * 1024;

/**
 * A result larger than one message (a huge `ls`, say) would be refused by the server, and
 * re-sent after every reconnect: it is dropped, and the job says so.
 */
export function fitResult(result: TJobFinished): TJobFinished {
  if (result.result === undefined) return result;
  const bytes = Buffer.byteLength(JSON.stringify(result.result));
  if (bytes <= RESULT_BUDGET_BYTES) return result;
  const note = `the result (${bytes} bytes) is too large to send; narrow the command (e.g. ls of a subdirectory)`;
  return { ...result, result: undefined, error: result.error ? `${result.error}; ${note}` : note };
}

/** What a refused command was meant to be, when it says (bounded: it came from outside). */
function commandType(data: unknown): string | null {
  const type = typeof data === "object" && data !== null && "type" in data ? data.type : null;
  return typeof type === "string" ? type.slice(0, 40) : null;
}

/** One line naming each field that is wrong, as the server words its own refusals. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) =>
      issue.path.length > 0
        ? `${issue.path.map(String).join(".")}: ${issue.message}`
        : issue.message,
    )
    .join("; ");
}

export { reconnectDelayMs } from "./servers.js";

/**
 * The agent's end of the link: one WebSocket to the server carrying the command subscription
 * and every report. Results are spooled first and forgotten only once the server has them.
 */
export class AgentLink implements JobReporter, ScheduleReporter {
  private state: ConnectionState = "connecting";
  private readonly pendingLogs = new Map<string, TLogLine[]>();
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly wsClient;
  /** Which of the configured servers to try next, and the reconnect back-off. */
  private readonly servers: ServerRotation;
  /**
   * The server of the latest socket: the one the link is on while connected. (The rotation
   * moves on before the wait that precedes an attempt, while the old socket may still close.)
   */
  private socketServer: string;
  private readonly trpc;
  private subscription: { unsubscribe(): void } | undefined;
  /** Runs this agent started on its own: the run report stands for their start. */
  private readonly ownRuns = new Set<string>();
  /**
   * Own runs the server has not acknowledged yet: nothing else about them is sent before,
   * since the server would not know the job (their logs wait, their results stay spooled).
   */
  private readonly unannounced = new Set<string>();
  private reporting: Promise<void> = Promise.resolve();
  /**
   * What the spool could not keep (the state directory read-only or full): held here until the
   * server has it, so a result is still delivered after a reconnect (not after a restart).
   */
  private readonly unspooled = {
    results: new Map<string, TJobFinished>(),
    runs: new Map<string, TScheduledRun>(),
    misses: [] as TScheduleMissReport[],
  };

  constructor(private readonly options: AgentLinkOptions) {
    const { config } = options;
    this.servers = new ServerRotation(serverUrlsOf(config));
    this.socketServer = this.servers.current;
    for (const run of options.spool.pendingReports().runs) {
      this.ownRuns.add(run.jobId);
      this.unannounced.add(run.jobId);
    }
    // tRPC drops a refusal sent before the connection is set up (it has no request id);
    // this socket reads it so the agent can say why it was refused.
    const onRefusal = (reason: string) => this.setState("refused", reason);
    class ObservedWebSocket extends WebSocket {
      constructor(address: string | URL, protocols?: string | string[]) {
        super(address, protocols, {
          maxPayload: AGENT_LIMITS.maxMessageBytes * 8,
          handshakeTimeout: CONNECT_TIMEOUT_MS,
        });
        this.on("message", (data) => {
          const text = data.toString();
          if (!text.includes('"id":null')) return;
          try {
            type ErrorShape = { message?: unknown };
            const message = JSON.parse(text) as { error?: ErrorShape & { json?: ErrorShape } };
            const reason = message.error?.json?.message ?? message.error?.message;
            if (typeof reason === "string") onRefusal(reason);
          } catch {
            // not a refusal
          }
        });
      }
    }
    this.wsClient = createWSClient({
      // Asked at every attempt: the server chosen by retryDelayMs, which runs before it.
      url: () => {
        this.socketServer = this.servers.current;
        return agentSocketUrl(this.socketServer);
      },
      WebSocket: ObservedWebSocket as unknown as typeof globalThis.WebSocket,
      connectionParams: () => ({
        credential: config.credential,
        hello: JSON.stringify(options.hello()),
      }),
      // tRPC counts attempts from 0 again whenever a socket opens, even one the server then
      // refuses; the rotation counts until a server has accepted the agent.
      retryDelayMs: () => {
        const next = this.servers.next({ refused: this.state === "refused" });
        options.log.info("connection.retry", {
          server: next.url,
          inMs: next.delayMs,
          failedRounds: next.failedRounds,
        });
        return next.delayMs;
      },
      keepAlive: { enabled: true, intervalMs: 15_000, pongTimeoutMs: 10_000 },
      onOpen: () => {
        this.setState("connected", null);
        void this.reconcile();
      },
      onClose: (cause) => {
        if (this.state !== "refused") {
          this.setState(
            "disconnected",
            cause?.code ? `connection closed (code ${cause.code})` : null,
          );
        }
      },
    });
    this.trpc = createTRPCClient<AppRouter>({
      links: [wsLink({ client: this.wsClient, transformer: superjson })],
    });
  }

  start(): void {
    this.subscription = this.trpc.agent.commands.subscribe(undefined, {
      onData: (data) => {
        const command = ZAgentCommand.safeParse(data);
        if (!command.success) {
          this.options.log.warn("command.rejected", {
            type: commandType(data),
            reason: describeIssues(command.error),
          });
          return;
        }
        this.options.onCommand(command.data);
      },
      onError: (error) => this.options.log.warn("commands.error", { message: error.message }),
    });
  }

  async stop(): Promise<void> {
    await this.flushLogs();
    this.subscription?.unsubscribe();
    await this.wsClient.close();
  }

  get connectionState(): ConnectionState {
    return this.state;
  }

  /**
   * The server this link is connected (or connecting) to: where the agent's HTTP requests
   * (downloads, its own update) go, since only that server is known to be up.
   */
  get serverUrl(): string {
    return this.socketServer;
  }

  private setState(state: ConnectionState, error: string | null): void {
    this.state = state;
    this.options.onStateChange(state, error, this.socketServer);
  }

  /** After each (re)connect: what runs here and what finished while away. */
  private async reconcile(): Promise<void> {
    try {
      // Runs started while away first: the server records them, then takes their results.
      await this.sendReports();
      const finished = [
        ...this.options.spool.pendingResults(),
        ...this.unspooled.results.values(),
      ].filter((result) => !this.unannounced.has(result.jobId));
      // Log lines first: once a job's result is in, the server closes its log.
      await this.flushLogs();
      const outcome = await this.trpc.agent.reconcile.mutate({
        running: this.options.runningJobIds(),
        finished,
      });
      this.servers.accept();
      for (const result of finished) this.acknowledge(result.jobId);
      this.options.log.info("reconciled", {
        server: this.socketServer,
        delivered: finished.length,
        ...outcome,
      });
      this.options.onAccepted?.();
    } catch (error) {
      this.options.log.warn("reconcile.failed", { message: (error as Error).message });
    }
  }

  // ── JobReporter ──────────────────────────────────────────────────────────────────

  started(job: AgentJob, startedAt: Date): void {
    this.trySpool(
      job.id,
      () => this.options.spool.markRunning({ jobId: job.id, kind: job.params.kind, startedAt }),
      "could not note the running job in the state directory",
    );
    if (this.state !== "connected" || this.ownRuns.has(job.id)) return;
    this.trpc.agent.jobStarted.mutate({ jobId: job.id, startedAt }).catch((error: unknown) => {
      this.options.log.warn("report.failed", {
        what: "started",
        message: (error as Error).message,
      });
    });
  }

  progress(jobId: string, progress: TResticProgress): void {
    // Progress is only worth anything live: while away, the latest sample is dropped.
    if (this.state !== "connected" || this.unannounced.has(jobId)) return;
    this.trpc.agent.jobProgress.mutate({ jobId, progress }).catch(() => undefined);
  }

  log(jobId: string, line: TLogLine): void {
    const lines = this.pendingLogs.get(jobId) ?? [];
    lines.push({ ...line, line: line.line.slice(0, AGENT_LIMITS.maxLogLineChars) });
    if (lines.length > MAX_BUFFERED_LOG_LINES)
      lines.splice(0, lines.length - MAX_BUFFERED_LOG_LINES);
    this.pendingLogs.set(jobId, lines);
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      void this.flushLogs();
    }, LOG_FLUSH_MS);
  }

  finished(result: TJobFinished): void {
    // What is sent is what was spooled: an untrimmed result over the message limit would make
    // the server close the socket, and only the reconnect would deliver the trimmed copy.
    const fitted = fitResult(result);
    const kept = this.trySpool(
      result.jobId,
      () => this.options.spool.saveResult(fitted),
      "could not spool the result: it is reported live only, and lost if the agent stops before the server has it",
    );
    if (!kept) this.unspooled.results.set(fitted.jobId, fitted);
    void this.deliver(fitted);
  }

  private async deliver(result: TJobFinished): Promise<void> {
    // An own run the server has not recorded yet: sent once it has (see sendReports).
    if (this.unannounced.has(result.jobId)) return;
    await this.flushLogs(result.jobId);
    if (this.state !== "connected") return; // sent with the next reconcile
    try {
      await this.trpc.agent.jobFinished.mutate(result);
      this.acknowledge(result.jobId);
    } catch (error) {
      this.options.log.warn("report.failed", {
        what: "finished",
        message: (error as Error).message,
      });
    }
  }

  /**
   * Writes to the spool. When the state directory refuses (read-only, full) the agent goes on
   * and says so, in its own log and in the job's: false tells the caller to hold on in memory.
   */
  private trySpool(jobId: string | undefined, write: () => void, consequence: string): boolean {
    try {
      write();
      return true;
    } catch (error) {
      const message = (error as Error).message;
      this.options.log.error("spool.failed", { jobId: jobId ?? null, message, consequence });
      if (jobId)
        this.log(jobId, { at: new Date(), stream: "agent", line: `${consequence} (${message})` });
      return false;
    }
  }

  /** The server has the job's result: the spool and memory may forget it. */
  private acknowledge(jobId: string): void {
    this.unspooled.results.delete(jobId);
    this.trySpool(
      undefined,
      () => this.options.spool.acknowledge(jobId),
      `could not forget the delivered result of job ${jobId}: it is sent again after a restart (and ignored)`,
    );
  }

  private async flushLogs(onlyJobId?: string): Promise<void> {
    if (this.state !== "connected") return;
    const jobIds = onlyJobId ? [onlyJobId] : [...this.pendingLogs.keys()];
    for (const jobId of jobIds) {
      if (this.unannounced.has(jobId)) continue;
      const lines = this.pendingLogs.get(jobId);
      if (!lines?.length) continue;
      this.pendingLogs.delete(jobId);
      for (let i = 0; i < lines.length; i += AGENT_LIMITS.maxLogLinesPerMessage) {
        const batch = lines.slice(i, i + AGENT_LIMITS.maxLogLinesPerMessage);
        try {
          await this.trpc.agent.jobLog.mutate({ jobId, lines: batch });
        } catch (error) {
          this.options.log.warn("report.failed", {
            what: "log",
            message: (error as Error).message,
          });
          return;
        }
      }
    }
  }

  /** The answer to a query; dropped when the link is down (the server has given up on it). */
  queryReply(reply: TQueryReply): void {
    if (this.state !== "connected") return;
    this.trpc.agent.queryReply.mutate(reply).catch((error: unknown) => {
      this.options.log.warn("report.failed", { what: "query", message: (error as Error).message });
    });
  }

  // ── ScheduleReporter ─────────────────────────────────────────────────────────────

  runStarted(run: TScheduledRun): void {
    const kept = this.trySpool(
      undefined,
      () => this.options.spool.saveRun(run),
      `could not spool the start of scheduled job ${run.jobId}: it is reported from memory only`,
    );
    if (!kept) this.unspooled.runs.set(run.jobId, run);
    this.ownRuns.add(run.jobId);
    this.unannounced.add(run.jobId);
    void this.sendReports();
  }

  missed(misses: TScheduleMissReport[]): void {
    for (const miss of misses) {
      const kept = this.trySpool(
        undefined,
        () => this.options.spool.saveMiss(miss),
        "could not spool a missed slot: it is reported from memory only",
      );
      if (!kept) this.unspooled.misses.push(miss);
    }
    void this.sendReports();
  }

  /**
   * Sends every spooled run and miss (one report at a time, so none is sent twice at once);
   * once the server has the runs, their logs and results follow.
   */
  private sendReports(): Promise<void> {
    this.reporting = this.reporting.then(async () => {
      if (this.state !== "connected") return;
      const spooled = this.options.spool.pendingReports();
      const pending = {
        runs: [...spooled.runs, ...this.unspooled.runs.values()],
        misses: [...spooled.misses, ...this.unspooled.misses],
      };
      if (pending.runs.length === 0 && pending.misses.length === 0) return;
      const BATCH = 500;
      try {
        for (let i = 0; i < Math.max(pending.runs.length, pending.misses.length); i += BATCH) {
          const batch = {
            runs: pending.runs.slice(i, i + BATCH),
            misses: pending.misses.slice(i, i + BATCH),
          };
          await this.trpc.agent.scheduleReport.mutate(batch);
          this.options.spool.acknowledgeReports(batch);
          for (const run of batch.runs) {
            this.unannounced.delete(run.jobId);
            this.unspooled.runs.delete(run.jobId);
          }
          this.unspooled.misses = this.unspooled.misses.filter((m) => !batch.misses.includes(m));
        }
      } catch (error) {
        this.options.log.warn("report.failed", {
          what: "schedule runs",
          message: (error as Error).message,
        });
        return;
      }
      const announced = new Set(pending.runs.map((run) => run.jobId));
      await this.flushLogs();
      const results = [...this.options.spool.pendingResults(), ...this.unspooled.results.values()];
      for (const result of results) {
        if (announced.has(result.jobId)) await this.deliver(result);
      }
    });
    return this.reporting;
  }
}
