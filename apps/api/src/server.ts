import { chmodSync, mkdirSync } from "node:fs";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { hostname } from "node:os";
import path from "node:path";
import { AGENT_LIMITS } from "@restic-manager/contracts";
import { applyWSSHandler } from "@trpc/server/adapters/ws";
import { WebSocketServer } from "ws";
import {
  AlertSweeper,
  onJobFinishedForAlerts,
  onRepositoryUnreachable,
} from "./alerts/evaluators.js";
import { AlertService } from "./alerts/service.js";
import { RefusalLog } from "./audit/refusals.js";
import { AGENT_UPGRADE_RATE, RateLimiter } from "./auth/rateLimit.js";
import { AuthService } from "./auth/service.js";
import { SessionTokens } from "./auth/sessionToken.js";
import { CREDENTIAL_ADDRESS_RULE, LoginThrottle } from "./auth/throttle.js";
import { DeliveryWorker } from "./channels/worker.js";
import { clientAddress, type TrustProxy } from "./clientAddress.js";
import type { Config } from "./config.js";
import { lockDataDir } from "./dataDirLock.js";
import { assertMigrated, openConfiguredDatabase } from "./db.js";
import type { AppDeps } from "./deps.js";
import { Downloads } from "./downloads/service.js";
import { onDrillFinished } from "./drills/reactions.js";
import { AgentPresence } from "./hosts/presence.js";
import { AgentRegistry } from "./hosts/registry.js";
import { createHttpApp } from "./http.js";
import { JobEventBus } from "./jobs/eventBus.js";
import { JobService } from "./jobs/service.js";
import { createLogger, type Logger } from "./logger.js";
import { FleetMetrics } from "./metrics/service.js";
import { Replicas } from "./replicas.js";
import { refreshDisplayUrls } from "./repositories/access.js";
import { refreshStaleHealth } from "./repositories/health.js";
import { onRepositoryJobFinished } from "./repositories/reactions.js";
import { appRouter } from "./router.js";
import { onScheduledJobFinished } from "./schedules/reactions.js";
import { ScheduleService } from "./schedules/service.js";
import { loadKeyring } from "./secrets/keyring.js";
import { ServerBackups } from "./serverBackups/service.js";
import { AgentQueries } from "./snapshots/queries.js";
import { chooseReader } from "./snapshots/readers.js";
import { createAgentContextFactory } from "./trpc/context.js";

/** Agents connect here; browsers use HTTP (and server-sent events) on /trpc. */
export const AGENT_SOCKET_PATH = "/agent/ws";
const LOST_SWEEP_INTERVAL_MS = 15_000;
const AGENT_AUTH_TIMEOUT_MS = 10_000;
const SCHEDULE_JUDGE_INTERVAL_MS = 30_000;
const ALERT_SWEEP_INTERVAL_MS = 60_000;

export interface RunningServer {
  url: string;
  port: number;
  deps: AppDeps;
  /**
   * Stops taking requests, lets running ones finish (up to a grace period), closes the database
   * and lets another server take the data directory.
   */
  close(): Promise<void>;
}

/**
 * Which connections are serving a request. At shutdown the others (kept alive, or opened
 * and never used) close at once, while requests in flight get to finish.
 */
function trackConnections(server: Server) {
  const active = new Map<Socket, number>();
  server.on("connection", (socket: Socket) => {
    active.set(socket, 0);
    socket.once("close", () => active.delete(socket));
  });
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    active.set(socket, (active.get(socket) ?? 0) + 1);
    res.once("close", () => {
      const left = (active.get(socket) ?? 1) - 1;
      active.set(socket, left);
      if (left === 0 && !server.listening) socket.destroy();
    });
  });
  return {
    closeIdle() {
      for (const [socket, requests] of active) if (requests === 0) socket.destroy();
    },
  };
}

export async function buildDeps(config: Config, logger: Logger): Promise<AppDeps> {
  const keyring = loadKeyring({
    keysFromEnv: config.masterKeysFromEnv,
    keyFile: config.masterKeyFile,
    onGenerated: (file) =>
      logger.warn(
        { event: "master_key.generated", file },
        "generated a new master key: back it up",
      ),
    onLooseMode: (file, mode) =>
      logger.warn(
        { event: "master_key.loose_mode", file, mode: mode.toString(8) },
        "the master key file is readable by other users: chmod 600 it",
      ),
  });
  const db = await openConfiguredDatabase(config, logger);
  await assertMigrated(db);
  const replicas = config.databaseUrl
    ? await Replicas.onPostgres(config.databaseUrl, logger, {
        heartbeatMs: config.replicaHeartbeatMs,
        leadershipIntervalMs: config.replicaHeartbeatMs,
      })
    : Replicas.sole(logger);
  const refusals = new RefusalLog({ db, logger });
  const credentialFailures = new LoginThrottle(CREDENTIAL_ADDRESS_RULE);
  const auth = new AuthService({
    db,
    refusals,
    credentialFailures,
    sessionTokens: new SessionTokens(keyring),
    sessionTtlSeconds: config.sessionTtlSeconds,
  });
  const agents = new AgentRegistry();
  const presence = new AgentPresence({ db, logger });
  const jobEvents = new JobEventBus();
  const metrics = new FleetMetrics({
    db,
    agents,
    replica: () => ({ leader: replicas.leadership.isLeader, replicas: replicas.replicasAlive }),
  });
  const deliveries = new DeliveryWorker({ db, keyring, logger, publicUrl: config.publicUrl });
  const alerts = new AlertService({
    db,
    logger,
    onQueued: () => {
      deliveries.wake();
      replicas.wake("deliveries"); // when the leader is another replica
    },
    reminderMs: config.alertReminderSeconds * 1000,
  });
  const jobs: JobService = new JobService({
    db,
    keyring,
    registry: agents,
    bus: jobEvents,
    logger,
    lostAfterMs: config.jobLostAfterSeconds * 1000,
    ...(replicas.shared ? { replicas: replicas.forJobs } : {}),
    setupTimeoutSeconds: config.setupTimeoutSeconds,
    lockWaitSeconds: config.lockWaitSeconds,
    onRepositoryUnreachable: (job, line) =>
      onRepositoryUnreachable({ db, alerts, agents, logger }, job, line),
    afterFinish: async (job, report) => {
      metrics.jobFinished(job, report);
      await onRepositoryJobFinished({ db, keyring, jobs, agents, logger }, job, report);
      await onScheduledJobFinished({ db, jobs, logger }, job, report);
      await onJobFinishedForAlerts({ db, alerts, agents, logger }, job, report);
      await onDrillFinished({ db, logger }, job, report);
    },
  });
  const schedules = new ScheduleService({
    db,
    keyring,
    registry: agents,
    jobs,
    bus: jobEvents,
    logger,
    lockWaitSeconds: config.lockWaitSeconds,
    graceMs: config.scheduleGraceSeconds * 1000,
    ...(replicas.shared ? { replicas: replicas.forSchedules } : {}),
  });
  await refreshDisplayUrls({ db, keyring, logger });
  return {
    config,
    db,
    logger,
    keyring,
    auth,
    agents,
    presence,
    jobEvents,
    jobs,
    schedules,
    alerts,
    deliveries,
    queries: new AgentQueries(agents),
    downloads: new Downloads(
      agents,
      {},
      replicas.shared
        ? { keyring, uploadTag: replicas.tag, spent: (linkId) => replicas.linkSpent(linkId) }
        : undefined,
    ),
    refusals,
    credentialFailures,
    metrics,
    serverBackups: new ServerBackups({
      db,
      logger,
      databasePath: config.databaseUrl ? undefined : config.databasePath,
      directory: path.join(config.dataDir, "backups"),
      keep: config.dbBackupKeep,
      intervalMs: config.dbBackupIntervalSeconds * 1000,
    }),
    replicas,
  };
}

/** Where the other replicas reach this one when RM_REPLICA_URL does not say: its address. */
function replicaUrlOf(host: string, port: number): string {
  const reachable = host === "0.0.0.0" || host === "::" ? hostname() : host;
  return `http://${reachable.includes(":") ? `[${reachable}]` : reachable}:${port}`;
}

export async function startServer(
  config: Config,
  logger = createLogger(config.logLevel),
  tuning: { agentAuthTimeoutMs?: number; bodyTimeoutMs?: number } = {},
): Promise<RunningServer> {
  // Whatever the server creates is the service user's alone, and so is the data directory,
  // also when `prisma migrate deploy` made it (with the default umask) before the first start.
  process.umask(0o077);
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  chmodSync(config.dataDir, 0o700);
  // Before anything touches the data directory (the key file, the database).
  const lock = lockDataDir(config.dataDir);
  const deps = await buildDeps(config, logger).catch((error: unknown) => {
    lock.release();
    throw error;
  });
  const { app, endStreams } = createHttpApp(
    deps,
    tuning.bodyTimeoutMs ? { bodyTimeoutMs: tuning.bodyTimeoutMs } : {},
  );
  const server = app.listen(config.port, config.host);
  // Longer than clients' and proxies' idle timeouts, so the server never closes a kept-alive
  // connection just as a client reuses it (which the client sees as a reset).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  // An agent's upload of a download is one request body that lasts as long as the download;
  // Node's default (5 min for a whole request) would cut large ones. Headers stay bounded, and
  // every other request's body has its own deadline (see bodyDeadline in http.ts).
  server.requestTimeout = 0;
  const connections = trackConnections(server);
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  }).catch(async (error: unknown) => {
    await deps.db.$disconnect();
    lock.release();
    throw error;
  });

  // Frames over the limit close the socket (code 1009) instead of being buffered.
  const wss = new WebSocketServer({ noServer: true, maxPayload: AGENT_LIMITS.maxMessageBytes });
  const trust = app.get("trust proxy fn") as TrustProxy;
  const addressOf = (req: IncomingMessage) => clientAddress(req, trust);
  // An address that keeps failing to authenticate, or opens sockets faster than any fleet
  // would, is turned away before the handshake: no database query, no audit row each.
  const upgrades = new RateLimiter(AGENT_UPGRADE_RATE);
  server.on("upgrade", (req, socket, head) => {
    if (new URL(req.url ?? "/", "http://x").pathname !== AGENT_SOCKET_PATH) {
      socket.destroy();
      return;
    }
    const address = addressOf(req) ?? "unknown";
    const waitMs = deps.credentialFailures.retryAfterMs(address);
    const refusal = !upgrades.take(address)
      ? "too many connections from this address"
      : waitMs > 0
        ? "too many refused connections from this address"
        : undefined;
    if (refusal) {
      void deps.refusals.record({ action: "host.connect_refused", ip: address, reason: refusal });
      const retryAfter = Math.max(1, Math.ceil(waitMs / 1000));
      socket.end(
        `HTTP/1.1 429 Too Many Requests\r\nRetry-After: ${retryAfter}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
  });
  // A socket that does not authenticate soon is closed, so idle sockets cannot pile up.
  const authenticated = new WeakSet<object>();
  wss.on("connection", (socket) => {
    setTimeout(() => {
      if (!authenticated.has(socket)) socket.close(4401, "authentication timeout");
    }, tuning.agentAuthTimeoutMs ?? AGENT_AUTH_TIMEOUT_MS).unref();
  });
  const wsHandler = applyWSSHandler({
    wss,
    router: appRouter,
    createContext: createAgentContextFactory(deps, {
      authenticated,
      addressOf,
    }),
    keepAlive: { enabled: true, pingMs: 20_000, pongWaitMs: 10_000 },
    onError({ error, path }) {
      logger.warn({ event: "agent.error", procedure: path, code: error.code, msg: error.message });
    },
  });

  // Work that must run once runs on the leading replica (with SQLite: this one, always).
  const leading = () => deps.replicas.leadership.isLeader;
  // At least twice per RM_JOB_LOST_AFTER: a job is marked lost within 1.5 times the setting.
  const lostSweepMs = Math.min(LOST_SWEEP_INTERVAL_MS, config.jobLostAfterSeconds * 500);
  const sweeper = setInterval(() => {
    if (!leading()) return;
    deps.jobs.sweepLost().catch((error: unknown) => {
      logger.error({ event: "jobs.sweep_failed", err: error }, "lost-job sweep failed");
    });
  }, lostSweepMs);
  sweeper.unref();
  // Repositories whose health is older than the interval get a fresh look.
  const healthTimer = setInterval(
    () => {
      if (!leading()) return;
      refreshStaleHealth(deps, config.healthIntervalSeconds * 1000).catch((error: unknown) => {
        logger.error({ event: "health.refresh_failed", err: error }, "health refresh failed");
      });
    },
    Math.min(config.healthIntervalSeconds * 1000, 15 * 60_000),
  );
  healthTimer.unref();

  // Slots nobody reported are judged once agents had a grace period to come back and report.
  const judgeTimer = setInterval(() => {
    if (!leading()) return;
    deps.schedules.judgeMissed().catch((error: unknown) => {
      logger.error({ event: "schedules.judge_failed", err: error }, "judging missed runs failed");
    });
  }, SCHEDULE_JUDGE_INTERVAL_MS);
  judgeTimer.unref();
  // Conditions that last (a host away, a stale set, missed slots, old locks) and reminders.
  const alertSweeper = new AlertSweeper({
    db: deps.db,
    alerts: deps.alerts,
    agents: deps.agents,
    logger,
  });
  const alertTimer = setInterval(() => {
    if (leading()) void alertSweeper.sweep();
  }, ALERT_SWEEP_INTERVAL_MS);
  alertTimer.unref();

  // Queued alert messages, including those a previous process (or a leader that died) left
  // half-sent: sent by the leader.
  const lead = async (isLeader: boolean) => {
    try {
      if (isLeader) await deps.deliveries.start();
      else await deps.deliveries.stop();
    } catch (error) {
      logger.error({ event: "deliveries.lead_failed", err: error }, "starting deliveries failed");
    }
  };
  const stopLeading = deps.replicas.leadership.onChange((isLeader) => void lead(isLeader));
  await deps.replicas.start(
    {
      agents: deps.agents,
      jobs: deps.jobs,
      jobEvents: deps.jobEvents,
      alertChanges: deps.alerts.changes,
      scheduleChanges: deps.schedules.changes,
      wake: (what) => {
        if (what === "deliveries") deps.deliveries.wake();
      },
      pushSchedules: (hostId) => deps.schedules.pushTo(hostId, true),
      linkSpent: (linkId) => deps.downloads.forget(linkId),
      throttles: {
        account: deps.auth.accountThrottle,
        address: deps.auth.addressThrottle,
        credential: deps.credentialFailures,
      },
      // Another replica's browser asks an agent connected here (the host's own, when it can).
      answerQuery: async (hostId, repositoryId, query, timeoutMs) =>
        deps.queries.ask(await chooseReader(deps, repositoryId, hostId), query, timeoutMs),
    },
    config.replicaUrl ?? replicaUrlOf(config.host, (server.address() as AddressInfo).port),
  );
  if (leading()) await deps.deliveries.start();
  deps.serverBackups.start();

  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host === "0.0.0.0" ? "localhost" : config.host}:${port}`;
  logger.info({ event: "server.listening", url, publicUrl: config.publicUrl }, "listening");

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      logger.info({ event: "server.stopping" }, "stopping");
      clearInterval(sweeper);
      clearInterval(healthTimer);
      clearInterval(judgeTimer);
      clearInterval(alertTimer);
      // Agents are told to reconnect (to this server once it is back, or to its successor).
      wsHandler.broadcastReconnectNotification();
      deps.agents.closeAll("server shutting down");
      wss.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      endStreams();
      connections.closeIdle();
      const grace = setTimeout(() => server.closeAllConnections(), 10_000);
      await closed;
      clearTimeout(grace);
      for (const client of wss.clients) client.terminate();
      stopLeading();
      await deps.replicas.close();
      await deps.deliveries.stop();
      await deps.serverBackups.stop();
      await deps.refusals.close();
      await deps.presence.stop();
      await deps.db.$disconnect();
      lock.release();
      logger.info({ event: "server.stopped" }, "stopped");
    })();
    return closing;
  };
  return { url, port, deps, close };
}
