import type { AlertService } from "./alerts/service.js";
import type { RefusalLog } from "./audit/refusals.js";
import type { AuthService } from "./auth/service.js";
import type { LoginThrottle } from "./auth/throttle.js";
import type { DeliveryWorker } from "./channels/worker.js";
import type { Config } from "./config.js";
import type { Db } from "./db.js";
import type { Downloads } from "./downloads/service.js";
import type { AgentPresence } from "./hosts/presence.js";
import type { AgentRegistry } from "./hosts/registry.js";
import type { JobEventBus } from "./jobs/eventBus.js";
import type { JobService } from "./jobs/service.js";
import type { Logger } from "./logger.js";
import type { FleetMetrics } from "./metrics/service.js";
import type { Replicas } from "./replicas.js";
import type { ScheduleService } from "./schedules/service.js";
import type { Keyring } from "./secrets/keyring.js";
import type { ServerBackups } from "./serverBackups/service.js";
import type { AgentQueries } from "./snapshots/queries.js";

/** What every request handler may use; built once at start-up (see server.ts). */
export interface AppDeps {
  config: Config;
  db: Db;
  logger: Logger;
  keyring: Keyring;
  auth: AuthService;
  agents: AgentRegistry;
  /** Hosts met since start and when agents were last seen (written in batches). */
  presence: AgentPresence;
  jobEvents: JobEventBus;
  jobs: JobService;
  schedules: ScheduleService;
  alerts: AlertService;
  /** Sends queued alert messages to their channels, outside any request. */
  deliveries: DeliveryWorker;
  /** Questions to agents (snapshot lists, directories) awaiting their answers. */
  queries: AgentQueries;
  /** Download links and the agents' uploads they wait on, in memory only. */
  downloads: Downloads;
  /** Refusals of unauthenticated callers, aggregated into the audit log. */
  refusals: RefusalLog;
  /** Refused credentials per client address (agent sockets, enrollment, tokens, cookies). */
  credentialFailures: LoginThrottle;
  /** What /metrics reports to Prometheus. */
  metrics: FleetMetrics;
  /** Copies of the server's own database, on a schedule and on request. */
  serverBackups: ServerBackups;
  /** This process among the API replicas: the leadership of work that runs once, the relays. */
  replicas: Replicas;
}
