import type { AgentRegistry } from "./agents/registry.js";
import type { LoginThrottle } from "./auth/throttle.js";
import type { Config } from "./config.js";
import type { Db } from "./db.js";
import type { JobEventBus } from "./jobs/eventBus.js";
import type { JobService } from "./jobs/service.js";
import type { Logger } from "./logger.js";
import type { Keyring } from "./secrets/keyring.js";
import type { AuthService } from "./services/auth.js";
import type { RefusalLog } from "./services/refusals.js";

/** What every request handler may use; built once at start-up (see server.ts). */
export interface AppDeps {
  config: Config;
  db: Db;
  logger: Logger;
  keyring: Keyring;
  auth: AuthService;
  agents: AgentRegistry;
  jobEvents: JobEventBus;
  jobs: JobService;
  /** Refusals of unauthenticated callers, aggregated into the audit log. */
  refusals: RefusalLog;
  /** Refused credentials per client address (agent sockets, enrollment, tokens, cookies). */
  credentialFailures: LoginThrottle;
}
