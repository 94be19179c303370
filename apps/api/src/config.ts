import { isIP } from "node:net";
import path from "node:path";
import { z } from "zod";

/**
 * All server configuration, read from the environment in this one module.
 * Nothing else in the server reads process.env.
 */

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

const DURATION_UNITS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;

/** "90s", "30m", "12h", "7d" → seconds. */
function parseDuration(value: string): number | undefined {
  const match = /^(\d+)\s*([smhd])$/.exec(value.trim());
  if (!match?.[1] || !match[2]) return undefined;
  return Number(match[1]) * DURATION_UNITS[match[2] as keyof typeof DURATION_UNITS];
}

const ZDuration = z.string().transform((value, ctx) => {
  const seconds = parseDuration(value);
  if (seconds === undefined || seconds < 60 || seconds > 365 * 86_400) {
    ctx.addIssue({
      code: "custom",
      message: `must be a duration between 1m and 365d such as 30m, 12h or 7d (got "${value}")`,
    });
    return z.NEVER;
  }
  return seconds;
});

/** "0s", "90s", "30m", "2h" → seconds, up to a day: how long restic waits for a lock. */
const ZLockWait = z.string().transform((value, ctx) => {
  const match = /^(\d+)\s*([smh])$/.exec(value.trim());
  const seconds =
    match?.[1] && match[2]
      ? Number(match[1]) * DURATION_UNITS[match[2] as keyof typeof DURATION_UNITS]
      : undefined;
  if (seconds === undefined || seconds > 86_400) {
    ctx.addIssue({
      code: "custom",
      message: `must be a duration up to 24h such as 90s, 30m or 2h (got "${value}")`,
    });
    return z.NEVER;
  }
  return seconds;
});

const TRUST_PROXY_NAMES = ["loopback", "linklocal", "uniquelocal"];

/**
 * Which proxies may say who the client is (X-Forwarded-For): a number of hops, or addresses,
 * subnets and the names loopback, linklocal, uniquelocal. Express's `trust proxy`, minus
 * `true` (trusting every hop lets any client choose its own address).
 */
const ZTrustProxy = z.string().transform((value, ctx): number | string[] => {
  const text = value.trim();
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    if (hops >= 1 && hops <= 10) return hops;
  } else {
    const entries = text.split(",").map((entry) => entry.trim());
    if (entries.every(isTrustProxyEntry)) return entries;
  }
  ctx.addIssue({
    code: "custom",
    message: `must be a hop count (1–10) or a comma-separated list of proxy addresses, subnets or ${TRUST_PROXY_NAMES.join(", ")} (got "${value}")`,
  });
  return z.NEVER;
});

function isTrustProxyEntry(entry: string): boolean {
  if (TRUST_PROXY_NAMES.includes(entry)) return true;
  const [address = "", prefix, ...rest] = entry.split("/");
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

const ZPort = z
  .string()
  .regex(/^\d{1,5}$/, "must be a port number between 0 and 65535")
  .transform(Number)
  .refine((port) => port <= 65535, "must be a port number between 0 and 65535");

const ZEnv = z.object({
  RM_PORT: ZPort.default(8080),
  RM_HOST: z.string().min(1, "must not be empty").default("0.0.0.0"),
  RM_DATA_DIR: z.string().min(1, "must not be empty").default("data"),
  RM_DATABASE_PATH: z.string().min(1, "must not be empty").optional(),
  // Not z.url(): its message would quote the URL, password and all.
  RM_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/\S+$/, "must be a postgresql:// URL")
    .optional(),
  // Where the other API replicas reach this one (PostgreSQL), e.g. http://10.0.0.11:8080.
  RM_REPLICA_URL: z
    .url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" })
    .optional(),
  // How often each API replica says it is alive (PostgreSQL): one silent for three is gone.
  RM_REPLICA_HEARTBEAT: z
    .string()
    .regex(/^\d{1,2}$/, "must be a whole number of seconds between 1 and 60")
    .transform(Number)
    .refine((n) => n >= 1 && n <= 60, "must be a whole number of seconds between 1 and 60")
    .default(5),
  RM_DATABASE_POOL: z
    .string()
    .regex(/^\d{1,3}$/, "must be a whole number of connections between 1 and 500")
    .transform(Number)
    .refine((n) => n >= 1 && n <= 500, "must be a whole number of connections between 1 and 500")
    .default(10),
  RM_PUBLIC_URL: z
    .url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" })
    .optional(),
  RM_MASTER_KEY: z.string().min(1, "must not be empty").optional(),
  RM_MASTER_KEY_FILE: z.string().min(1, "must not be empty").optional(),
  RM_LOG_LEVEL: z
    .enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(", ")}` })
    .default("info"),
  RM_SESSION_TTL: ZDuration.default(12 * 3600),
  RM_WEB_DIR: z.string().min(1, "must not be empty").optional(),
  // Down to 10 s (not only whole minutes), so a fault drill sees a job marked lost in its time.
  RM_JOB_LOST_AFTER: z
    .union(
      [
        z
          .string()
          .regex(/^[1-5]\ds$/)
          .transform((v) => Number.parseInt(v, 10)),
        ZDuration,
      ],
      {
        error: "must be a duration between 10s and 365d such as 30s, 10m or 12h",
      },
    )
    .default(10 * 60),
  RM_HEALTH_INTERVAL: ZDuration.default(6 * 3600),
  RM_SETUP_TIMEOUT: z
    .string()
    .regex(/^\d+s$/, "must be a number of seconds such as 120s")
    .transform((v) => Number.parseInt(v, 10))
    .refine((v) => v >= 1 && v <= 3600, "must be between 1s and 3600s")
    .default(120),
  RM_AGENT_DIR: z.string().min(1, "must not be empty").optional(),
  RM_LOCK_WAIT: ZLockWait.default(30 * 60),
  RM_SCHEDULE_GRACE: ZDuration.default(5 * 60),
  RM_ALERT_REMINDER: ZDuration.default(12 * 3600),
  RM_TRUST_PROXY: ZTrustProxy.optional(),
  RM_SERVE_SOURCE_MAPS: z
    .enum(["true", "false"], { error: "must be true or false" })
    .transform((value) => value === "true")
    .default(false),
  RM_METRICS_PUBLIC: z
    .enum(["true", "false"], { error: "must be true or false" })
    .transform((value) => value === "true")
    .default(false),
  RM_DB_BACKUP_INTERVAL: z
    .union([z.literal("0").transform(() => 0), ZDuration], {
      error: "must be 0 (on request only) or a duration between 1m and 365d such as 12h or 1d",
    })
    .default(86_400),
  RM_DB_BACKUP_KEEP: z
    .string()
    .regex(/^\d{1,4}$/, "must be a whole number of copies between 1 and 1000")
    .transform(Number)
    .refine(
      (keep) => keep >= 1 && keep <= 1000,
      "must be a whole number of copies between 1 and 1000",
    )
    .default(7),
});

/** The variables the server reads, so a deployment's environment can be checked against them. */
export const SETTING_NAMES: readonly string[] = Object.keys(ZEnv.shape);

export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databasePath: string;
  /** A PostgreSQL database to use instead of the SQLite file; may hold a password. */
  databaseUrl: string | undefined;
  /** Connections each server process keeps to PostgreSQL. */
  databasePoolSize: number;
  /** How often each API replica says it is alive and tries for the leadership (PostgreSQL). */
  replicaHeartbeatMs: number;
  /** Where the other replicas reach this one; derived from the host name and port if unset. */
  replicaUrl: string | undefined;
  publicUrl: string;
  /** Base64 master keys from the environment, newest first; when absent the key file is used. */
  masterKeysFromEnv: string[] | undefined;
  masterKeyFile: string;
  logLevel: LogLevel;
  sessionTtlSeconds: number;
  /** Where the built SPA lives; undefined serves no SPA (API only). */
  webDir: string | undefined;
  /** A running job whose agent stays away this long is marked lost. */
  jobLostAfterSeconds: number;
  /** How old a repository's health may get before the server refreshes it. */
  healthIntervalSeconds: number;
  /** How long setting up a repository (init or adopt) may take before it is given up. */
  setupTimeoutSeconds: number;
  /** Where the bundled agent (agent.mjs) lives, served to endpoints that install it. */
  agentDir: string | undefined;
  /** How long a job's restic waits for another restic's lock on its repository. */
  lockWaitSeconds: number;
  /** Unacknowledged alerts are sent again this often. */
  alertReminderSeconds: number;
  /** How late a scheduled run's report may be before its slot is marked missed. */
  scheduleGraceSeconds: number;
  /** The reverse proxies whose X-Forwarded-For is believed; false when there are none. */
  trustProxy: number | string[] | false;
  /** Whether the web app's source maps (*.map) are served; otherwise they answer 404. */
  serveSourceMaps: boolean;
  /** Whether /metrics answers without an API token. */
  metricsPublic: boolean;
  /** How old the newest copy of the database may get before another is taken; 0: on request only. */
  dbBackupIntervalSeconds: number;
  /** How many copies of the database the backups directory keeps. */
  dbBackupKeep: number;
}

export class ConfigError extends Error {
  constructor(
    readonly setting: string,
    problem: string,
  ) {
    super(`Invalid configuration: ${setting} ${problem}`);
    this.name = "ConfigError";
  }
}

type Env = Record<string, string | undefined>;

/** Reads and validates the configuration; throws a ConfigError naming the first bad setting. */
export function loadConfig(env: Env = process.env, cwd = process.cwd()): Config {
  const result = ZEnv.safeParse(pickSettings(env));
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ConfigError(
      String(issue?.path[0] ?? "configuration"),
      issue?.message ?? "is invalid",
    );
  }
  const e = result.data;
  const dataDir = path.resolve(cwd, e.RM_DATA_DIR);
  return {
    port: e.RM_PORT,
    host: e.RM_HOST,
    dataDir,
    databasePath: resolveDatabasePath(e, dataDir, cwd),
    databaseUrl: e.RM_DATABASE_URL,
    databasePoolSize: e.RM_DATABASE_POOL,
    replicaHeartbeatMs: e.RM_REPLICA_HEARTBEAT * 1000,
    replicaUrl: e.RM_REPLICA_URL?.replace(/\/+$/, ""),
    publicUrl: (e.RM_PUBLIC_URL ?? `http://localhost:${e.RM_PORT}`).replace(/\/+$/, ""),
    masterKeysFromEnv: e.RM_MASTER_KEY?.split(",").map((key) => key.trim()),
    masterKeyFile: e.RM_MASTER_KEY_FILE
      ? path.resolve(cwd, e.RM_MASTER_KEY_FILE)
      : path.join(dataDir, "master.key"),
    logLevel: e.RM_LOG_LEVEL,
    sessionTtlSeconds: e.RM_SESSION_TTL,
    webDir: e.RM_WEB_DIR ? path.resolve(cwd, e.RM_WEB_DIR) : undefined,
    jobLostAfterSeconds: e.RM_JOB_LOST_AFTER,
    healthIntervalSeconds: e.RM_HEALTH_INTERVAL,
    setupTimeoutSeconds: e.RM_SETUP_TIMEOUT,
    agentDir: e.RM_AGENT_DIR ? path.resolve(cwd, e.RM_AGENT_DIR) : undefined,
    lockWaitSeconds: e.RM_LOCK_WAIT,
    scheduleGraceSeconds: e.RM_SCHEDULE_GRACE,
    alertReminderSeconds: e.RM_ALERT_REMINDER,
    trustProxy: e.RM_TRUST_PROXY ?? false,
    serveSourceMaps: e.RM_SERVE_SOURCE_MAPS,
    metricsPublic: e.RM_METRICS_PUBLIC,
    dbBackupIntervalSeconds: e.RM_DB_BACKUP_INTERVAL,
    dbBackupKeep: e.RM_DB_BACKUP_KEEP,
  };
}

function resolveDatabasePath(
  e: { RM_DATABASE_PATH?: string | undefined },
  dataDir: string,
  cwd: string,
): string {
  return e.RM_DATABASE_PATH
    ? path.resolve(cwd, e.RM_DATABASE_PATH)
    : path.join(dataDir, "restic-manager.db");
}

/** The database file alone, for tools (prisma.config.ts) that need nothing else. */
export function loadDatabasePath(env: Env = process.env, cwd = process.cwd()): string {
  return loadConfig(env, cwd).databasePath;
}

/** Empty variables count as unset, so `RM_PORT= cmd` falls back to the default. */
function pickSettings(env: Env): Env {
  const settings: Env = {};
  for (const key of Object.keys(ZEnv.shape)) {
    const value = env[key];
    if (value !== undefined && value !== "") settings[key] = value;
  }
  return settings;
}
