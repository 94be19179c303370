import { z } from "zod";
import { ZDate, ZId } from "./ids.js";
import { ZJobResult, ZResticErrorCode, ZResticProgress } from "./job-results.js";
import { JOB_KIND_TRAITS, ZJobKind, ZJobParams, ZJobState, ZSnapshotId } from "./jobs.js";
import { ZMissReason, ZScheduleKind, ZScheduleOverlap, ZScheduleTiming } from "./schedules.js";
import { ZAgentQuery, ZSnapshotItemPath } from "./snapshots.js";

/**
 * The agent link: what an agent and the server say to each other.
 * Jobs flow server → agent through one subscription; everything else flows agent → server
 * through mutations, each validated here.
 */

/** Bumped when a message changes shape. The server accepts a range, so fleets upgrade slowly. */
export const AGENT_PROTOCOL_VERSION = 4;
export const SUPPORTED_AGENT_PROTOCOLS = { min: 1, max: 4 } as const;
/** From this version the agent keeps and fires its host's schedules. */
export const SCHEDULES_PROTOCOL = 2;
/** From this version the agent answers queries (snapshots, browse, find, diff) and uploads downloads. */
export const READER_PROTOCOL = 3;
/** From this version the agent updates itself (the `agent-update` job) and rolls back. */
export const AGENT_UPDATE_PROTOCOL = JOB_KIND_TRAITS["agent-update"].minProtocol;

/** Caps on what one agent message may carry (the socket itself refuses larger frames). */
export const AGENT_LIMITS = {
  maxMessageBytes: 1024 * 1024,
  maxLogLinesPerMessage: 500,
  maxLogLineChars: 4000,
} as const;

export const ZAgentOs = z.enum(["linux", "windows", "darwin", "freebsd", "other"]);
export type TAgentOs = z.infer<typeof ZAgentOs>;

const ZShortText = z.string().trim().min(1).max(200);

/** What restic looks like on the endpoint; `problem` says what to do when it is unusable. */
export const ZResticStatus = z.object({
  version: z.string().max(50).nullable(),
  path: z.string().max(1000).nullable(),
  problem: z.string().max(500).nullable(),
});
export type TResticStatus = z.infer<typeof ZResticStatus>;

/** Sent in the WebSocket's connection params as JSON, with the agent's credential. */
export const ZAgentHello = z.object({
  protocolVersion: z.number().int().min(0),
  agentVersion: ZShortText,
  hostname: ZShortText,
  os: ZAgentOs,
  arch: z.string().max(50),
  restic: ZResticStatus,
  /** The host's IANA time zone, in which its schedules fire unless they name another. */
  timeZone: z.string().max(64).optional(),
});
export type TAgentHello = z.infer<typeof ZAgentHello>;

export const ZEnrollRequest = z.object({
  token: z.string().min(1).max(200),
  hostname: ZShortText,
  os: ZAgentOs,
  arch: z.string().max(50),
  agentVersion: ZShortText,
});
export type TEnrollRequest = z.infer<typeof ZEnrollRequest>;

export const ZEnrollResponse = z.object({
  hostId: z.string(),
  hostName: z.string(),
  credential: z.string(),
});
export type TEnrollResponse = z.infer<typeof ZEnrollResponse>;

export const ZJobId = z.string().min(1).max(64);

/** A repository's credentials, sent inside the job that needs them and kept nowhere on disk. */
export const ZRepositoryAccess = z.object({
  url: z.string().min(1),
  password: z.string(),
  env: z.record(z.string().regex(/^[A-Z][A-Z0-9_]*$/), z.string()),
});
export type TRepositoryAccess = z.infer<typeof ZRepositoryAccess>;

export const ZLogLine = z.object({
  at: ZDate,
  stream: z.enum(["stdout", "stderr", "agent"]),
  line: z.string().max(AGENT_LIMITS.maxLogLineChars),
});
export type TLogLine = z.infer<typeof ZLogLine>;

export const ZJobOutcome = z.enum(["succeeded", "failed", "cancelled"]);
export type TJobOutcome = z.infer<typeof ZJobOutcome>;

export const ZJobFinished = z.object({
  jobId: ZJobId,
  outcome: ZJobOutcome,
  exitCode: z.number().int().nullable(),
  error: z.string().max(8000).nullable(),
  /** What restic's failure was, when it was one (wrong password, lock held, …). */
  errorCode: ZResticErrorCode.nullable().optional(),
  /** The command's parsed result: a backup's summary, a snapshot list, … */
  result: ZJobResult.optional(),
  finishedAt: ZDate,
});
export type TJobFinished = z.infer<typeof ZJobFinished>;

export const ZJobStarted = z.object({ jobId: ZJobId, startedAt: ZDate });
export const ZJobProgress = z.object({ jobId: ZJobId, progress: ZResticProgress });
export const ZJobLogBatch = z.object({
  jobId: ZJobId,
  lines: z.array(ZLogLine).min(1).max(AGENT_LIMITS.maxLogLinesPerMessage),
});

/** After every (re)connect: what the agent is running and what finished while it was away. */
export const ZAgentReconcile = z.object({
  running: z.array(ZJobId).max(1000),
  finished: z.array(ZJobFinished).max(1000),
});
export type TAgentReconcile = z.infer<typeof ZAgentReconcile>;

/**
 * A schedule as the agent keeps it: when to fire, and the job to run, with the repository's
 * credentials (the agent stores them encrypted). Everything is resolved by the server: the time
 * zone, this host's spread, the catch-up window.
 */
export const ZScheduleDefinition = z.object({
  id: z.string().min(1).max(64),
  /** Bumped on every change; a run names the revision it was fired from. */
  revision: z.number().int().min(1),
  kind: ZScheduleKind,
  timing: ZScheduleTiming,
  timeZone: z.string().min(1).max(64),
  spreadMs: z.number().int().min(0),
  catchUpMs: z.number().int().min(0),
  overlap: ZScheduleOverlap,
  paused: z.boolean(),
  /** A check reads part n of this many (`--read-data-subset n/N`), n rotating. */
  readDataParts: z.number().int().min(1).max(365).optional(),
  job: z.object({
    params: ZJobParams,
    repository: ZRepositoryAccess,
    lockWaitSeconds: z.number().int().min(0).max(86_400).optional(),
  }),
});
export type TScheduleDefinition = z.infer<typeof ZScheduleDefinition>;

/** A run the agent started on its own: it becomes a job with the agent's id, recorded once. */
export const ZScheduledRun = z.object({
  jobId: ZJobId,
  scheduleId: z.string().min(1).max(64),
  revision: z.number().int().min(1),
  /** The slot it stands for. */
  slot: ZDate,
  params: ZJobParams,
  startedAt: ZDate,
});
export type TScheduledRun = z.infer<typeof ZScheduledRun>;

/** A slot the agent did not run: skipped (the previous run still going) or missed (it was not running). */
export const ZScheduleMissReport = z.object({
  scheduleId: z.string().min(1).max(64),
  slot: ZDate,
  reason: ZMissReason,
  detail: z.string().max(500),
});
export type TScheduleMissReport = z.infer<typeof ZScheduleMissReport>;

export const ZScheduleReport = z.object({
  runs: z.array(ZScheduledRun).max(1000),
  misses: z.array(ZScheduleMissReport).max(1000),
});
export type TScheduleReport = z.infer<typeof ZScheduleReport>;

/** Server → agent, on the command subscription. */
export const ZAgentCommand = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("job"),
    job: z.object({
      id: ZJobId,
      params: ZJobParams,
      repository: ZRepositoryAccess.nullable(),
      /** Give up (and report a failure) after this long, e.g. a set-up against a dead backend. */
      timeoutSeconds: z.number().int().positive().optional(),
      /** How long restic waits for a conflicting repository lock (`--retry-lock`) before failing. */
      lockWaitSeconds: z.number().int().min(0).max(86_400).optional(),
      /** Set when the job is a run of a schedule ("run now"): the agent runs one at a time. */
      scheduleId: z.string().min(1).max(64).optional(),
    }),
  }),
  z.object({ type: z.literal("cancel"), jobId: ZJobId }),
  /** Protocol 2: every schedule of the host, replacing what the agent had. */
  z.object({ type: z.literal("schedules"), schedules: z.array(ZScheduleDefinition).max(1000) }),
  /** Protocol 3: read something from a repository and answer with `agent.queryReply`. */
  z.object({
    type: z.literal("query"),
    id: z.string().min(1).max(64),
    repository: ZRepositoryAccess,
    query: ZAgentQuery,
  }),
  /**
   * Protocol 3: stream a file (or a folder as an archive) from a snapshot to the server: an HTTP
   * PUT of `restic dump`'s output to `/agent/uploads/<id>`, with the agent's credential and
   * `secret`. The server pipes it to the browser that asked; nothing is stored.
   */
  z.object({
    type: z.literal("upload"),
    id: z.string().min(1).max(64),
    secret: z.string().min(16).max(200),
    repository: ZRepositoryAccess,
    snapshotId: ZSnapshotId,
    path: ZSnapshotItemPath,
    archive: z.enum(["zip", "tar"]).optional(),
  }),
]);
export type TAgentCommand = z.infer<typeof ZAgentCommand>;

/** An upload (`PUT /agent/uploads/<id>`): the agent's credential as a bearer token, plus these. */
export const UPLOAD_HEADERS = {
  /** The command's one-time `secret`. */
  secret: "x-upload-secret",
  /** The file's size in bytes, when the agent knows it (the browser then gets Content-Length). */
  size: "x-download-size",
} as const;

/** Sent instead of the bytes (`POST /agent/uploads/<id>/failure`) when the dump cannot start. */
export const ZUploadFailure = z.object({
  reason: z.enum(["not-found", "bad-request", "failed"]),
  message: z.string().min(1).max(4000),
});
export type TUploadFailure = z.infer<typeof ZUploadFailure>;

// --- what the web app and scripts send about jobs and enrollment ------------------------------

export const ZJobListInput = z.object({
  hostId: ZId.optional(),
  kind: ZJobKind.optional(),
  state: ZJobState.optional(),
  from: ZDate.optional(),
  to: ZDate.optional(),
  limit: z.number().int().min(1).max(200).default(50),
  /** The `nextCursor` of the previous page. */
  cursor: z.string().max(400).optional(),
});
export type TJobListInput = z.input<typeof ZJobListInput>;
export type TJobListFilter = z.output<typeof ZJobListInput>;

/** A page of hosts by name; `search` is a name prefix, `state` active (not revoked) or revoked. */
export const ZHostListInput = z
  .object({
    limit: z.number().int().min(1).max(200).default(50),
    cursor: z.string().max(400).optional(),
    search: z.string().trim().max(100).optional(),
    state: z.enum(["active", "revoked"]).optional(),
  })
  .default({ limit: 50 });
export type THostListInput = z.input<typeof ZHostListInput>;
export type THostListFilter = z.output<typeof ZHostListInput>;

export const ZJobCreateInput = z.object({
  hostId: ZId,
  repositoryId: ZId.optional(),
  params: ZJobParams,
});
export type TJobCreateInput = z.input<typeof ZJobCreateInput>;

export const ZByJobId = z.object({ id: ZJobId });

/** A watcher that reconnects sends the last event id it saw. */
export const ZJobWatchInput = z.object({ id: ZJobId, lastEventId: z.string().max(20).nullish() });

export const ZEnrollmentCreateInput = z.object({
  expiresInHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 30)
    .default(24),
  note: z.string().trim().max(200).optional(),
});
export type TEnrollmentCreate = z.output<typeof ZEnrollmentCreateInput>;
