import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  type TAgentCommand,
  type TJobFinished,
  type TQueryReply,
  ZAgentCommand,
  ZJobFinished,
  ZQueryReply,
} from "@restic-manager/contracts";
import { nextRuns } from "@restic-manager/schedule";
import {
  applyEdit,
  type SpawnedAgent,
  spawnAgent,
  type ValueEdit,
  waitFor,
} from "@restic-manager/test-support";
import { initTRPC } from "@trpc/server";
import { applyWSSHandler } from "@trpc/server/adapters/ws";
import fc from "fast-check";
import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { z } from "zod";
import { writeAgentConfig } from "../src/config.js";
import { describeIssues } from "../src/link.js";
import { namePattern } from "../src/reader/queries.js";

/**
 * Fuzzing the agent's end of the link: commands as the server sends them (a job, a cancel,
 * the host's schedules, a query, an upload), mutated (wrong types, missing or renamed keys,
 * huge and negative numbers, NaN, dates and bigints through superjson, unicode, oversized
 * strings) and random values. The schema either takes a command or names what is wrong; the
 * real agent process, fed them over a real tRPC WebSocket, logs each refusal and keeps running.
 *
 * Cases: 12,000 commands against the schema, 15,000 name patterns, and 300 commands sent to
 * a running agent process: 27,300.
 */

const SCHEMA_RUNS = 12_000;
const PATTERN_RUNS = 15_000;
const PROCESS_RUNS = 300;

// --- mutations of a valid command -----------------------------------------------------------------

/** superjson refuses to carry these keys at all (prototype pollution): the server cannot send them. */
const POLLUTING_KEYS = ["__proto__", "constructor", "prototype"];
const safeKey = fc.string({ maxLength: 10 }).filter((key) => !POLLUTING_KEYS.includes(key));

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    undefined,
    null,
    true,
    0,
    -1,
    0.5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    2 ** 53 + 1,
    "",
    "NaN",
    "\u0000",
    "\u202e\u0301💥",
    "Mars/Olympus_Mons",
    "61 * * * *",
    "0 0 31 2 *",
    "../../etc/passwd",
    "z".repeat(5000),
    [],
    {},
    new Date(Number.NaN),
    new Map([["type", "job"]]),
  ),
  fc.integer(),
  fc.double(),
  fc.bigInt(),
  fc.date(),
  fc.string({ unit: "binary", maxLength: 60 }),
  fc.jsonValue({ maxDepth: 2 }).filter((value) => !JSON.stringify(value).includes('"__proto__"')),
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
    key: fc.oneof(fc.constantFrom("type", "kind", "id", "jobId", "toString"), safeKey),
  }),
);

const SNAPSHOT = "b3a217ffbf074da9a8bf1a12e9d38027ee4f51a1daa92d18a38cb7c4e1d0f598";
const REPOSITORY = { url: "rest:http://127.0.0.1:9/fuzz", password: "pw", env: {} };

/** One valid command of each type, as the server sends them. */
function validCommands(n: number): TAgentCommand[] {
  return [
    {
      type: "job",
      job: {
        id: `job-${n}`,
        params: { kind: "backup", paths: ["/srv"] },
        repository: REPOSITORY,
        timeoutSeconds: 60,
      },
    },
    { type: "job", job: { id: `job-v-${n}`, params: { kind: "version" }, repository: null } },
    { type: "cancel", jobId: `job-${n}` },
    {
      type: "schedules",
      schedules: [
        {
          id: `sched-${n}`,
          revision: 1,
          kind: "check",
          timing: { type: "cron", expression: "0 3 * * *" },
          timeZone: "Europe/Berlin",
          spreadMs: 0,
          catchUpMs: 3_600_000,
          overlap: "skip",
          paused: false,
          readDataParts: 7,
          job: { params: { kind: "check" }, repository: REPOSITORY },
        },
      ],
    },
    {
      type: "query",
      id: `query-${n}`,
      repository: REPOSITORY,
      query: { kind: "find", snapshotId: SNAPSHOT, pattern: "*.pdf" },
    },
    {
      type: "upload",
      id: `upload-${n}`,
      secret: "s".repeat(32),
      repository: REPOSITORY,
      snapshotId: SNAPSHOT,
      path: "/srv/a.txt",
    },
  ];
}

type CommandCase =
  | { kind: "mutated"; which: number; edits: ValueEdit[] }
  | { kind: "valid"; which: number }
  | { kind: "junk"; junk: unknown };

const commandCase: fc.Arbitrary<CommandCase> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant("mutated" as const),
      which: fc.nat(),
      edits: fc.array(edit, { minLength: 1, maxLength: 3 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("valid" as const), which: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc
      .oneof(hostileValue, fc.anything({ key: safeKey }))
      .map((junk) => ({ kind: "junk" as const, junk })),
  },
);

function commandOf(change: CommandCase, n: number): unknown {
  if (change.kind === "junk") return change.junk;
  const commands = validCommands(n);
  const valid = commands[change.which % commands.length];
  return change.kind === "valid" ? valid : change.edits.reduce(applyEdit, valid);
}

/**
 * The command as the agent receives it: after the wire's superjson round trip, as text. What
 * superjson refuses to send (keys such as `prototype`, a pollution risk) never reaches an
 * agent: such a case is discarded, not counted.
 */
function overTheWire(command: unknown): unknown {
  let text: string | undefined;
  try {
    text = superjson.stringify(command);
  } catch {
    text = undefined;
  }
  fc.pre(text !== undefined);
  return superjson.parse(text);
}

// --- a bare server end of the link -------------------------------------------------------------

/**
 * The agent router's shape with nothing behind it: the command subscription yields what the
 * test pushes; job results and query answers are checked against the contracts the real
 * server validates them with and kept by id; other reports are taken and dropped.
 */
async function startLinkServer() {
  // Boxed, so that `undefined` can be sent too.
  const pending: Array<{ command: unknown }> = [];
  let wake: (() => void) | undefined;
  const t = initTRPC.create({ transformer: superjson });
  const take = t.procedure.input(z.unknown()).mutation(() => ({ accepted: true }));
  const reports = new Map<string, unknown>();
  const refused: unknown[] = [];
  const keep = <T>(schema: z.ZodType<T>, key: (report: T) => string) =>
    t.procedure.input(z.unknown()).mutation(({ input }) => {
      const parsed = schema.safeParse(input);
      if (parsed.success) reports.set(key(parsed.data), parsed.data);
      else refused.push({ input, issues: parsed.error.issues });
      return { accepted: true };
    });
  const router = t.router({
    agent: t.router({
      commands: t.procedure.subscription(async function* ({ signal }) {
        while (!signal?.aborted) {
          const next = pending.shift();
          if (next) {
            yield next.command;
            continue;
          }
          await new Promise<void>((resolve) => {
            wake = resolve;
            signal?.addEventListener("abort", () => resolve(), { once: true });
          });
        }
      }),
      reconcile: t.procedure.input(z.unknown()).mutation(() => ({ recorded: 0, lost: 0 })),
      scheduleReport: take,
      queryReply: keep(ZQueryReply, (reply) => `query:${reply.id}`),
      jobStarted: take,
      jobProgress: take,
      jobLog: take,
      jobFinished: keep(ZJobFinished, (result) => `finished:${result.jobId}`),
    }),
  });
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  const handler = applyWSSHandler({ wss, router, createContext: () => ({}) });
  await once(wss, "listening");
  return {
    url: `http://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    connections: () => wss.clients.size,
    /** Reports the real server's schemas would have refused. */
    refused,
    /** Waits for the report kept under `key`, and forgets it. */
    async report(key: string): Promise<unknown> {
      const report = await waitFor(() => reports.get(key), { what: key, intervalMs: 2 });
      reports.delete(key);
      return report;
    },
    push(command: unknown) {
      pending.push({ command });
      wake?.();
    },
    async close() {
      handler.broadcastReconnectNotification();
      for (const client of wss.clients) client.terminate();
      await new Promise((resolve) => wss.close(resolve));
    },
  };
}

/** The ids of a schedules command's schedules whose times cannot be computed. */
function unusableSchedules(command: TAgentCommand): string[] {
  if (command.type !== "schedules") return [];
  return command.schedules
    .filter((schedule) => {
      try {
        nextRuns(schedule, new Date(), 1);
        return false;
      } catch {
        return true;
      }
    })
    .map((schedule) => schedule.id);
}

/** Waits for `text` in the agent's output, or fails when the agent exits first. */
function outputContains(agent: SpawnedAgent, text: string, timeoutMs = 20_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (agent.output().includes(text)) return done(resolve);
      if (agent.child.exitCode !== null || agent.child.signalCode !== null) {
        return done(() => reject(new Error(`the agent exited:\n${agent.output().slice(-4000)}`)));
      }
    };
    const timer = setTimeout(
      () => done(() => reject(new Error(`timed out waiting for ${text}`))),
      timeoutMs,
    );
    const done = (then: () => void) => {
      clearTimeout(timer);
      agent.child.stderr?.off("data", check);
      agent.child.off("exit", check);
      then();
    };
    agent.child.stderr?.on("data", check);
    agent.child.on("exit", check);
    check();
  });
}

describe("server commands under fuzzing", () => {
  it(`${SCHEMA_RUNS} mutated and random commands are taken by the schema or refused with issues that name the field`, () => {
    fc.assert(
      fc.property(commandCase, fc.nat(), (change, n) => {
        const parsed = ZAgentCommand.safeParse(overTheWire(commandOf(change, n)));
        if (parsed.success) {
          expect(ZAgentCommand.safeParse(parsed.data).success).toBe(true);
          return;
        }
        expect(parsed.error.issues.length).toBeGreaterThan(0);
        for (const issue of parsed.error.issues) {
          expect(issue.message.trim().length).toBeGreaterThan(0);
          for (const key of issue.path) expect(["string", "number"]).toContain(typeof key);
        }
      }),
      { numRuns: SCHEMA_RUNS },
    );
  });

  it(`${PATTERN_RUNS} random find patterns make a matcher that never throws and matches the pattern's own literal text`, () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "binary", minLength: 1, maxLength: 200 }),
        fc.string(),
        (pattern, name) => {
          const matches = namePattern(pattern);
          expect(typeof matches(name)).toBe("boolean");
          // Without wildcards a pattern is a whole name: each character literal, none a regex's.
          if (!/[*?]/.test(pattern)) {
            expect(matches(pattern)).toBe(true);
            expect(matches(`${pattern}x`)).toBe(false);
          }
        },
      ),
      { numRuns: PATTERN_RUNS },
    );
  });

  describe("sent to a running agent process over a real tRPC WebSocket", () => {
    let server: Awaited<ReturnType<typeof startLinkServer>>;
    let agent: SpawnedAgent;
    let dir: string;

    beforeAll(async () => {
      server = await startLinkServer();
      dir = mkdtempSync(path.join(tmpdir(), "rm-agent-fuzz-"));
      const configFile = path.join(dir, "agent.json");
      writeAgentConfig(configFile, {
        serverUrl: server.url,
        hostId: "host-fuzz",
        hostName: "fuzz",
        credential: "rma_fuzz",
        stateDir: path.join(dir, "state"),
        // Jobs and queries fail at once with a spawn error: what is tested is the dispatch.
        resticPath: path.join(dir, "no-restic-here"),
      });
      agent = spawnAgent(["run", "--config", configFile]);
      await outputContains(agent, '"state":"connected"', 30_000);
    }, 60_000);

    afterAll(async () => {
      await agent?.stop();
      await server?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it(`${PROCESS_RUNS} mutated and random commands: each refusal is logged with its reason, each job and query is answered, and the agent keeps running`, async () => {
      let n = 0;
      const answered = new Set<string>();
      /**
       * A job (restic is missing here) ends failed with the reason, a query is answered with
       * it: each once, for an id not seen before.
       */
      const expectAnswered = async (command: TAgentCommand) => {
        if (command.type === "job" && !answered.has(`job:${command.job.id}`)) {
          answered.add(`job:${command.job.id}`);
          const result = (await server.report(`finished:${command.job.id}`)) as TJobFinished;
          expect(["failed", "cancelled"]).toContain(result.outcome);
          expect(result.error?.trim()).toBeTruthy();
        }
        if (command.type === "query" && !answered.has(`query:${command.id}`)) {
          answered.add(`query:${command.id}`);
          const reply = (await server.report(`query:${command.id}`)) as TQueryReply;
          expect(reply.ok).toBe(false);
          if (!reply.ok) expect(reply.error.trim()).toBeTruthy();
        }
      };
      await fc.assert(
        fc.asyncProperty(commandCase, async (change) => {
          n += 1;
          const sent = commandOf(change, n);
          const received = overTheWire(sent);
          const parsed = ZAgentCommand.safeParse(received);
          const mark = agent.output().length;
          server.push(sent);
          // A cancel of an unknown job is logged and does nothing: when it shows, the command
          // before it has been handled.
          const sentinel = `sentinel-${n}`;
          server.push({ type: "cancel", jobId: sentinel });
          await outputContains(agent, `"jobId":"${sentinel}"`);
          const said = agent.output().slice(mark);
          if (!parsed.success) {
            // The refusal names each wrong field on one line: `job.params.kind: Invalid input…`.
            const reason = describeIssues(parsed.error);
            expect(reason.length).toBeGreaterThan(0);
            expect(said).toContain(`"event":"command.rejected"`);
            expect(said).toContain(`"reason":${JSON.stringify(reason)}`);
          } else {
            expect(said).not.toContain('"event":"command.rejected"');
            // A schedule no clock can follow is refused by name, and the rest still run.
            for (const id of unusableSchedules(parsed.data)) {
              expect(said).toContain(
                `"event":"schedule.rejected","scheduleId":${JSON.stringify(id)}`,
              );
            }
            await expectAnswered(parsed.data);
          }
          expect(agent.child.exitCode).toBeNull();
        }),
        {
          numRuns: PROCESS_RUNS,
          // Schedules the schema takes but no clock can: an unknown zone, an impossible cron.
          examples: [
            [
              {
                kind: "mutated",
                which: 3,
                edits: [{ op: "replace", at: 10, value: "Mars/Olympus_Mons" }],
              },
            ],
            [{ kind: "mutated", which: 3, edits: [{ op: "replace", at: 9, value: "61 * * * *" }] }],
          ],
        },
      );
      // Every report it sent passes the server's contracts; still connected on the one socket
      // it opened, and still taking commands.
      expect(server.refused).toEqual([]);
      const kinds = new Set([...answered].map((key) => key.split(":")[0]));
      expect(kinds).toEqual(new Set(["job", "query"]));
      expect(server.connections()).toBe(1);
      server.push({ type: "cancel", jobId: "the-last" });
      await outputContains(agent, '"jobId":"the-last"');
    }, 240_000);
  });
});
