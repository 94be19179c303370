import { once } from "node:events";
import {
  AGENT_LIMITS,
  type TJobFinished,
  ZAgentHello,
  ZAgentReconcile,
  ZEnrollRequest,
  ZJobFinished,
  ZJobLogBatch,
  ZJobProgress,
  ZJobStarted,
  ZQueryReply,
  ZScheduleReport,
} from "@restic-manager/contracts";
import { applyEdit, type ValueEdit, waitFor } from "@restic-manager/test-support";
import { TRPCClientError } from "@trpc/client";
import fc from "fast-check";
import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { type ZodError, z } from "zod";
import { onStatement } from "../src/db.js";
import { HALFWAY } from "./support/actors.js";
import { connectAgent, enrollHost, HELLO } from "./support/agentLink.js";
import { insertReadyRepository } from "./support/repositories.js";
import { type Client, createWorld, type World } from "./support/world.js";

/**
 * Fuzzing the server's end of the agent link: valid messages of every kind an agent sends,
 * mutated (wrong types, missing or renamed keys, huge and negative numbers, NaN and Infinity,
 * dates and bigints through superjson, unicode, oversized strings and arrays), and random
 * values. Every message is either accepted or refused with an error that names the field;
 * a refused message changes nothing.
 *
 * Cases: 9 message kinds × 3,000 against the schemas the agent router validates with, 2,000
 * sent through the real server over the agent's WebSocket to a real SQLite file, and 500 raw
 * frames from another agent's socket: 29,500.
 */

const SCHEMA_RUNS_PER_KIND = 3000;
const SERVER_RUNS = 2000;
const RAW_FRAMES = 500;

// --- mutations of a valid message ---------------------------------------------------------------

/** superjson refuses to send these keys at all; raw frames carry them to the server below. */
const POLLUTING_KEYS = ["__proto__", "constructor", "prototype"];
const safeKey = fc.string({ maxLength: 10 }).filter((key) => !POLLUTING_KEYS.includes(key));

/** What superjson carries that JSON does not (undefined, NaN, dates, bigints), and worse. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    undefined,
    null,
    true,
    0,
    -1,
    -0,
    0.5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    1e308,
    2 ** 53 + 1,
    "",
    "NaN",
    "-1",
    "\u0000",
    "\u202e\u0301💥",
    "x".repeat(AGENT_LIMITS.maxLogLineChars + 1),
    "y".repeat(8001),
    [],
    {},
    new Date(Number.NaN),
    new Date(8.64e15),
    new Map([["jobId", "x"]]),
    new Set(["succeeded"]),
    Array.from({ length: 1001 }, (_, i) => `job-${i}`),
  ),
  fc.integer(),
  fc.double(),
  fc.bigInt(),
  fc.date(),
  fc.string({ unit: "binary", maxLength: 80 }),
  fc.jsonValue({ maxDepth: 2 }),
);

const edit: fc.Arbitrary<ValueEdit> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constant("replace"), at: fc.nat(), value: hostileValue }),
  },
  fc.record({ op: fc.constant("delete"), at: fc.nat() }),
  fc.record({
    op: fc.constant("rename"),
    at: fc.nat(),
    key: fc.oneof(fc.constantFrom("jobId", "kind", "message_type", "toString"), safeKey),
  }),
);

/** A change to a valid message: one to three edits, none (the message itself), or junk instead. */
type MessageCase =
  | { kind: "mutated"; edits: ValueEdit[] }
  | { kind: "valid" }
  | { kind: "junk"; junk: unknown };

const messageCase: fc.Arbitrary<MessageCase> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .array(edit, { minLength: 1, maxLength: 3 })
      .map((edits) => ({ kind: "mutated" as const, edits })),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "valid" as const }) },
  {
    weight: 1,
    arbitrary: fc
      .oneof(hostileValue, fc.anything({ key: safeKey }))
      .map((junk) => ({ kind: "junk" as const, junk })),
  },
);

function messageOf(change: MessageCase, valid: unknown): unknown {
  if (change.kind === "junk") return change.junk;
  if (change.kind === "valid") return valid;
  return change.edits.reduce(applyEdit, valid);
}

/** Marks a message the agent's own client refuses to serialise (a polluting key): never sent. */
const UNSENDABLE = Symbol("unsendable");

/** What reaches the router: the message after the wire's superjson round trip. */
function overTheWire(message: unknown): unknown {
  let serialised: string;
  try {
    serialised = superjson.stringify(message);
  } catch (error) {
    expect((error as Error).message).toMatch(/prototype pollution/);
    return UNSENDABLE;
  }
  return superjson.parse(serialised);
}

// --- valid messages about one job ---------------------------------------------------------------

const backupResult = {
  kind: "backup",
  status: "complete",
  snapshotId: "a".repeat(64),
  dryRun: false,
  summary: {
    filesNew: 1,
    filesChanged: 0,
    filesUnmodified: 0,
    dirsNew: 1,
    dirsChanged: 0,
    dirsUnmodified: 0,
    dataBlobs: 1,
    treeBlobs: 1,
    dataAdded: 10,
    dataAddedPacked: 8,
    totalFilesProcessed: 1,
    totalBytesProcessed: 10,
    totalDuration: 0.5,
    backupStart: "2026-11-28T12:00:00Z",
    backupEnd: "2026-11-28T12:00:01Z",
  },
  itemErrors: [{ item: "/srv/a", during: "read", message: "permission denied" }],
  itemErrorCount: 1,
};

/** One valid message of each kind an agent sends about `jobId`, and the procedure for it. */
function validMessages(jobId: string) {
  const at = new Date("2026-11-28T12:00:00Z");
  const finished: TJobFinished = {
    jobId,
    outcome: "succeeded",
    exitCode: 0,
    error: null,
    errorCode: null,
    result: backupResult as TJobFinished["result"],
    finishedAt: at,
  };
  return {
    jobStarted: { schema: ZJobStarted, message: { jobId, startedAt: at } },
    jobProgress: { schema: ZJobProgress, message: { jobId, progress: HALFWAY } },
    jobLog: {
      schema: ZJobLogBatch,
      message: { jobId, lines: [{ at, stream: "stderr", line: "reading /srv" }] },
    },
    jobFinished: { schema: ZJobFinished, message: finished },
    reconcile: { schema: ZAgentReconcile, message: { running: [jobId], finished: [] } },
    scheduleReport: {
      schema: ZScheduleReport,
      message: {
        runs: [],
        misses: [{ scheduleId: "sched-1", slot: at, reason: "missed", detail: "agent was off" }],
      },
    },
    queryReply: {
      schema: ZQueryReply,
      message: { id: "query-1", ok: false, error: "no such path" },
    },
  } as const;
}

type Procedure = keyof ReturnType<typeof validMessages>;
const PROCEDURES = Object.keys(validMessages("x")) as Procedure[];

/** A refusal a person can act on: each issue names its field (or the message) and says what is wrong. */
function expectClearIssues(error: ZodError) {
  expect(error.issues.length).toBeGreaterThan(0);
  for (const issue of error.issues) {
    expect(issue.message.trim().length, JSON.stringify(issue)).toBeGreaterThan(0);
    expect(issue.message).not.toContain("[object Object]");
    for (const key of issue.path) expect(["string", "number"]).toContain(typeof key);
  }
  expect(() => z.flattenError(error)).not.toThrow();
}

describe("agent link messages under fuzzing", () => {
  const schemaKinds = [
    ...PROCEDURES.map((name) => ({ name, ...validMessages("job-1")[name] })),
    { name: "hello", schema: ZAgentHello, message: HELLO },
    {
      name: "enroll",
      schema: ZEnrollRequest,
      message: { token: "rme_x", hostname: "web1", os: "linux", arch: "x64", agentVersion: "1" },
    },
  ];

  for (const kind of schemaKinds) {
    it(`${kind.name}: ${SCHEMA_RUNS_PER_KIND} mutated and random messages parse or fail with issues that name the field`, () => {
      const schema = kind.schema as z.ZodType;
      fc.assert(
        fc.property(messageCase, (change) => {
          const input = overTheWire(messageOf(change, kind.message));
          if (input === UNSENDABLE) return;
          const parsed = schema.safeParse(input);
          if (parsed.success) {
            // What the service is handed validates again: nothing half-parsed gets through.
            expect(schema.safeParse(parsed.data).success).toBe(true);
          } else {
            expectClearIssues(parsed.error);
          }
        }),
        { numRuns: SCHEMA_RUNS_PER_KIND },
      );
    });
  }

  describe("through the real server, over the agent's WebSocket, on a real SQLite file", () => {
    let world: World;
    let admin: Client;
    let agent: ReturnType<typeof connectAgent>;
    let hostId: string;
    let repositoryId: string;
    let jobId = "";

    /** A backup the agent has been sent and has started: what each case reports on. */
    async function runningBackup(): Promise<string> {
      const { id } = await admin.jobs.create.mutate({
        hostId,
        repositoryId,
        params: { kind: "backup", paths: ["/srv"] },
      });
      await waitFor(() => agent.commands.some((c) => c.type === "job" && c.job.id === id), {
        what: "the agent to be sent the job",
        intervalMs: 2,
      });
      await agent.trpc.agent.jobStarted.mutate({ jobId: id, startedAt: new Date() });
      return id;
    }

    async function jobRow(id: string) {
      const db = world.server.deps.db;
      const [row, logs] = await Promise.all([
        db.job.findUniqueOrThrow({ where: { id } }),
        db.jobLog.count({ where: { jobId: id } }),
      ]);
      return { row, logs };
    }

    beforeAll(async () => {
      world = await createWorld();
      await world.addUser("admin", "admin");
      admin = await world.signIn("admin");
      const host = await enrollHost(world, admin, "fuzz-host");
      hostId = host.hostId;
      agent = connectAgent(world, host.credential);
      await waitFor(() => world.server.deps.agents.get(hostId), { what: "the agent to connect" });
      repositoryId = (
        await insertReadyRepository(world.server.deps, {
          name: "fuzz",
          url: "rest:http://127.0.0.1:9/fuzz",
          password: "pw",
        })
      ).id;
      jobId = await runningBackup();
    });
    afterAll(async () => {
      await agent?.close();
      await world?.close();
    });

    it(`${SERVER_RUNS} mutated reports about a running job are accepted or refused with a clear error, and a refused one writes nothing`, async () => {
      const cases = fc.record({ procedure: fc.constantFrom(...PROCEDURES), change: messageCase });
      const counts = { accepted: 0, refused: 0 };
      let known: Awaited<ReturnType<typeof jobRow>> | undefined;
      await fc.assert(
        fc.asyncProperty(cases, async ({ procedure, change }) => {
          const wire = overTheWire(messageOf(change, validMessages(jobId)[procedure].message));
          fc.pre(wire !== UNSENDABLE);
          // The job as the last case left it: a refusal must leave it exactly so.
          known ??= await jobRow(jobId);
          const before = known;
          const writes: string[] = [];
          const stop = onStatement(world.server.deps.db, (sql) => {
            if (/^\s*(INSERT|UPDATE|DELETE|REPLACE)\b/i.test(sql) && /\bJob(Log)?\b/.test(sql)) {
              writes.push(sql);
            }
          });
          let refusal: unknown;
          try {
            await (agent.trpc.agent[procedure].mutate as (input: unknown) => Promise<unknown>)(
              wire,
            );
          } catch (error) {
            refusal = error;
          } finally {
            stop();
          }
          if (refusal === undefined) {
            counts.accepted += 1;
            known = await jobRow(jobId);
            if (known.row.state !== "running") {
              jobId = await runningBackup();
              known = undefined;
            }
            return;
          }
          counts.refused += 1;
          if (!(refusal instanceof TRPCClientError)) throw refusal;
          const code = String(refusal.data?.code);
          expect(["BAD_REQUEST", "FORBIDDEN", "NOT_FOUND", "CONFLICT"], refusal.message).toContain(
            code,
          );
          if (code === "BAD_REQUEST") {
            expect(refusal.message).toMatch(/^Invalid input: .+/);
          } else {
            expect(refusal.message.trim().length).toBeGreaterThan(0);
          }
          expect(writes).toEqual([]);
          known = await jobRow(jobId);
          expect(known).toEqual(before);
        }),
        { numRuns: SERVER_RUNS },
      );
      // Both sides of the property were exercised, and the link is still up.
      expect(counts.accepted).toBeGreaterThan(SERVER_RUNS / 50);
      expect(counts.refused).toBeGreaterThan(SERVER_RUNS / 2);
      expect(world.server.deps.agents.get(hostId)).toBeDefined();
      await expect(
        agent.trpc.agent.jobProgress.mutate({ jobId, progress: HALFWAY }),
      ).resolves.toEqual({ accepted: true });
    }, 120_000);

    it(`${RAW_FRAMES} raw frames from another agent (junk, bad superjson, polluting keys) are answered or ignored, and the server goes on`, async () => {
      const other = await enrollHost(world, admin, "raw-host");
      const socket = await rawAgentSocket(world.server.url, other.credential);
      const valid = validMessages(jobId);
      const request = fc.record({
        path: fc.oneof(
          fc.constantFrom(...PROCEDURES).map((name) => `agent.${name}`),
          fc.string({ maxLength: 20 }),
        ),
        method: fc.oneof(
          { weight: 4, arbitrary: fc.constant("mutation") },
          fc.constantFrom("query", "subscription", "subscription.stop", "x"),
        ),
        json: fc.oneof(
          fc.constantFrom(...PROCEDURES).map((name) => valid[name].message),
          fc.jsonValue({ maxDepth: 3 }),
        ),
        edits: fc.array(
          fc.oneof(
            edit,
            fc.record({
              op: fc.constant("rename" as const),
              at: fc.nat(),
              key: fc.constantFrom(...POLLUTING_KEYS),
            }),
          ),
          { maxLength: 3 },
        ),
        meta: fc.option(
          fc.oneof(
            fc.jsonValue({ maxDepth: 3 }),
            fc.constant({ values: { startedAt: ["Date"], "__proto__.x": ["bigint"] } }),
            fc.constant({ values: [["map"], { constructor: ["set"] }] }),
          ),
          { nil: undefined },
        ),
      });
      const frame = fc.oneof(
        fc.string({ unit: "binary", maxLength: 200 }),
        fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
        {
          weight: 6,
          arbitrary: request.map(({ path, method, json, edits, meta }) =>
            // Raw JSON, so the polluting keys superjson refuses to write do reach the server.
            JSON.stringify(
              {
                id: "junk",
                method,
                params: { path, input: { json: edits.reduce(applyEdit, json), meta } },
              },
              jsonSafe,
            ),
          ),
        },
      );
      const before = await jobRow(jobId);
      const writes: string[] = [];
      const stop = onStatement(world.server.deps.db, (sql) => {
        if (/^\s*(INSERT|UPDATE|DELETE|REPLACE)\b/i.test(sql) && /\bJob(Log)?\b/.test(sql)) {
          writes.push(sql);
        }
      });
      let probes = 0;
      let refusals = 0;
      try {
        await fc.assert(
          fc.asyncProperty(frame, async (text) => {
            socket.send(text);
            // The server answers frames in order: once the probe is answered, the frame was handled.
            probes += 1;
            const answer = await socket.call(`probe-${probes}`, "agent.reconcile", {
              running: [],
              finished: [],
            });
            expect(answer).toMatchObject({
              result: { type: "data", data: { json: { recorded: 0, lost: 0 } } },
            });
            for (const reply of socket.repliesTo(/^junk$/)) {
              const error = (reply as { error?: { message?: unknown } }).error;
              if (!error) continue;
              refusals += 1;
              expect(String(error.message).trim().length).toBeGreaterThan(0);
            }
          }),
          { numRuns: RAW_FRAMES },
        );
      } finally {
        stop();
        socket.close();
      }
      // The tRPC-shaped frames reached the procedures and were refused with a message.
      expect(refusals).toBeGreaterThan(RAW_FRAMES / 4);
      // Another agent's junk touched neither this job nor any other.
      expect(writes).toEqual([]);
      expect(await jobRow(jobId)).toEqual(before);
      await expect(
        agent.trpc.agent.jobProgress.mutate({ jobId, progress: HALFWAY }),
      ).resolves.toEqual({ accepted: true });
    }, 120_000);
  });
});

/** JSON has no bigint: sent as its digits, as a hand-written agent might. */
function jsonSafe(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}

/**
 * An agent's socket without the tRPC client: it sends whatever it is given. `call` sends a
 * request and waits for its answer (reopening the socket if the server closed it).
 */
async function rawAgentSocket(url: string, credential: string) {
  const replies = new Map<string, unknown>();
  const waiters = new Map<string, (reply: unknown) => void>();
  let socket: WebSocket;
  const open = (): Promise<void> => {
    socket = new WebSocket(`${url.replace("http", "ws")}/agent/ws?connectionParams=1`);
    socket.on("message", (data) => {
      let reply: { id?: unknown };
      try {
        reply = JSON.parse(data.toString()) as { id?: unknown };
      } catch {
        return;
      }
      const id = String(reply.id);
      const waiter = waiters.get(id);
      if (waiter) {
        waiters.delete(id);
        waiter(reply);
      } else replies.set(id, reply);
    });
    socket.on("close", () => {
      for (const [id, waiter] of waiters) waiter({ closed: id });
      waiters.clear();
    });
    return once(socket, "open").then(() => {
      socket.send(
        JSON.stringify({
          method: "connectionParams",
          data: { credential, hello: JSON.stringify(HELLO) },
        }),
      );
    });
  };
  await open();
  return {
    send(text: string) {
      if (socket.readyState === WebSocket.OPEN) socket.send(text);
    },
    async call(id: string, path: string, input: unknown): Promise<unknown> {
      for (;;) {
        if (socket.readyState !== WebSocket.OPEN) {
          await open();
        }
        const answer = new Promise<unknown>((resolve) => waiters.set(id, resolve));
        socket.send(
          JSON.stringify({ id, method: "mutation", params: { path, input: { json: input } } }),
        );
        const reply = await answer;
        if (!(typeof reply === "object" && reply !== null && "closed" in reply)) return reply;
      }
    },
    /** The replies to ids matching `pattern` since the last look. */
    repliesTo(pattern: RegExp): unknown[] {
      const found = [...replies].filter(([id]) => pattern.test(id));
      for (const [id] of found) replies.delete(id);
      return found.map(([, reply]) => reply);
    },
    close() {
      socket.close();
    },
  };
}
