import {
  ZItemError,
  ZJobResult,
  ZPruneReport,
  ZResticErrorReport,
  ZVersionResult,
} from "@restic-manager/contracts";
import { applyEdit, type ValueEdit } from "@restic-manager/test-support";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseVersionOutput } from "../src/commands/version.js";
import {
  backup,
  catConfig,
  check,
  diff,
  forget,
  init,
  listLockIds,
  listLocks,
  ls,
  parsePruneReport,
  parseSize,
  prune,
  type ResticContext,
  ResticError,
  restore,
  snapshots,
  stats,
  unlock,
  version,
} from "../src/index.js";
import { StderrCollector } from "../src/stderr.js";
import { type Fixture, loadFixture } from "./support/fixtures.js";
import { fakeRunner, type RecordedRun } from "./support/runners.js";

/**
 * Fuzzing restic's output: random text, random JSON and mutations of the real lines recorded
 * from restic 0.18 (fields of the wrong type, missing or renamed keys, huge and negative
 * numbers, "NaN"-ish strings, unicode, truncated lines, stray bytes, other exit codes) go
 * through every command module's real parsing path. Each run either yields a result the
 * contracts accept (what the agent sends, the server must take) or a ResticError that names
 * the command and what was wrong; nothing else may escape.
 *
 * Cases: 26 recorded runs × 400 mutated + 26 × 100 random outputs, 4,000 stderr streams,
 * 15,000 version texts, 6,000 prune reports, 15,000 sizes: 53,000 in all.
 */

const MUTATED_RUNS_PER_FIXTURE = 400;
const RANDOM_RUNS_PER_FIXTURE = 100;

// --- what a case changes ----------------------------------------------------------------------

/** Values restic should never print where a field is, and a few it might. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    null,
    true,
    false,
    0,
    -1,
    0.5,
    1e308,
    -1e308,
    2 ** 64,
    Number.MAX_SAFE_INTEGER + 2,
    "",
    "NaN",
    "Infinity",
    "-1",
    "1e999",
    "null",
    "\u0000",
    "\u202e\u0301",
    "💥".repeat(3),
    "a".repeat(5000),
    [],
    {},
    ["status", "summary"],
  ),
  fc.integer(),
  fc.double(),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.jsonValue({ maxDepth: 2 }),
);

const jsonEdit: fc.Arbitrary<ValueEdit> = fc.oneof(
  fc.record({ op: fc.constant("replace" as const), at: fc.nat(), value: hostileValue }),
  fc.record({ op: fc.constant("delete" as const), at: fc.nat() }),
  fc.record({
    op: fc.constant("rename" as const),
    at: fc.nat(),
    key: fc.oneof(
      fc.constantFrom("message_type", "struct_type", "summary", "id", "__proto__"),
      fc.string({ maxLength: 12 }),
    ),
  }),
);

const MESSAGE_TYPES = [
  "status",
  "summary",
  "verbose_status",
  "error",
  "exit_error",
  "change",
  "statistics",
  "snapshot",
  "node",
  "initialized",
  "version",
];

/** A line restic did not print: text, any JSON, or an object claiming a known message type. */
const randomLine: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: "binary", maxLength: 200 }),
  fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
  fc
    .record({
      message_type: fc.constantFrom(...MESSAGE_TYPES),
      rest: fc.dictionary(fc.string({ maxLength: 20 }), hostileValue, { maxKeys: 6 }),
    })
    .map(({ message_type, rest }) => JSON.stringify({ ...rest, message_type })),
);

type LineEdit =
  | { kind: "json"; line: number; edit: ValueEdit }
  | { kind: "truncate"; line: number; at: number }
  | { kind: "insert"; line: number; at: number; text: string }
  | { kind: "replace"; line: number; text: string }
  | { kind: "duplicate"; line: number }
  | { kind: "drop"; line: number };

const lineEdit: fc.Arbitrary<LineEdit> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant("json"), line: fc.nat(), edit: jsonEdit }),
  },
  fc.record({ kind: fc.constant("truncate"), line: fc.nat(), at: fc.nat() }),
  fc.record({
    kind: fc.constant("insert"),
    line: fc.nat(),
    at: fc.nat(),
    text: fc.string({ unit: "binary", maxLength: 8 }),
  }),
  fc.record({ kind: fc.constant("replace"), line: fc.nat(), text: randomLine }),
  fc.record({ kind: fc.constant("duplicate"), line: fc.nat() }),
  fc.record({ kind: fc.constant("drop"), line: fc.nat() }),
);

function parseOrNull(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

/** Applies an edit to one line of `text` (the line picked modulo their number). */
function editLines(text: string, edit: LineEdit): string {
  const lines = text.split("\n");
  const index = edit.line % lines.length;
  const line = lines[index] ?? "";
  switch (edit.kind) {
    case "json": {
      const value = parseOrNull(line);
      // A text line (prune's report, a lock id) is replaced by the edit's value as JSON.
      lines[index] = JSON.stringify(applyEdit(value, edit.edit)) ?? "";
      break;
    }
    case "truncate":
      lines[index] = line.slice(0, edit.at % (line.length + 1));
      break;
    case "insert": {
      const at = edit.at % (line.length + 1);
      lines[index] = line.slice(0, at) + edit.text + line.slice(at);
      break;
    }
    case "replace":
      lines[index] = edit.text;
      break;
    case "duplicate":
      lines.splice(index, 0, line);
      break;
    case "drop":
      lines.splice(index, 1);
      break;
    default: {
      const exhaustive: never = edit;
      throw new Error(`unknown edit ${JSON.stringify(exhaustive)}`);
    }
  }
  return lines.join("\n");
}

const exitCode = (recorded: number | null) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constant(recorded) },
    fc.constantFrom(0, 1, 3, 10, 11, 12, 130, null),
    fc.integer({ min: -1, max: 255 }),
  );

interface OutputCase {
  run: number;
  stdoutEdits: LineEdit[];
  stderrEdits: LineEdit[];
  exitCode: number | null;
  /** Bytes that are not UTF-8, spliced into stdout at a position. */
  rawBytes: { at: number; bytes: Uint8Array } | null;
  chunkSize: number;
}

function mutatedOutput(fixture: Fixture): fc.Arbitrary<OutputCase> {
  return fc.nat().chain((pick) => {
    const run = pick % fixture.runs.length;
    return fc.record({
      run: fc.constant(run),
      stdoutEdits: fc.array(lineEdit, { minLength: 1, maxLength: 3 }),
      stderrEdits: fc.array(lineEdit, { maxLength: 2 }),
      exitCode: exitCode(fixture.runs[run]?.exitCode ?? 0),
      rawBytes: fc.option(fc.record({ at: fc.nat(), bytes: fc.uint8Array({ maxLength: 6 }) }), {
        freq: 8,
      }),
      chunkSize: fc.integer({ min: 1, max: 200 }),
    });
  });
}

/** The recorded runs with this case's changes to one of them. */
function casedRuns(fixture: Fixture, output: OutputCase): RecordedRun[] {
  return fixture.runs.map((recorded, index) => {
    if (index !== output.run) return recorded;
    return {
      ...recorded,
      stdout: output.stdoutEdits.reduce(editLines, recorded.stdout),
      stderr: output.stderrEdits.reduce(editLines, recorded.stderr),
      exitCode: output.exitCode,
    };
  });
}

// --- running a command on made-up output ------------------------------------------------------

interface Target {
  fixture: string;
  /** The command names its errors may carry. */
  commands: string[];
  run: (context: ResticContext, input: never) => Promise<unknown>;
}

const PROBE = {
  now: new Date("2026-11-28T19:00:00Z"),
  hostname: "fuzz",
  processExists: () => true,
};

const TARGETS: Target[] = [
  { fixture: "backup-first", commands: ["backup"], run: backup },
  { fixture: "backup-second", commands: ["backup"], run: backup },
  { fixture: "backup-partial", commands: ["backup"], run: backup },
  { fixture: "restore", commands: ["restore"], run: restore },
  { fixture: "restore-include", commands: ["restore"], run: restore },
  { fixture: "error-interrupted", commands: ["restore"], run: restore },
  { fixture: "check", commands: ["check"], run: check },
  { fixture: "check-damaged", commands: ["check"], run: check },
  { fixture: "diff", commands: ["diff"], run: diff },
  { fixture: "ls", commands: ["ls"], run: ls },
  { fixture: "init", commands: ["init"], run: (context) => init(context) },
  { fixture: "error-init-exists", commands: ["init"], run: (context) => init(context) },
  { fixture: "snapshots", commands: ["snapshots"], run: snapshots },
  { fixture: "error-no-repository", commands: ["snapshots"], run: snapshots },
  { fixture: "error-wrong-password", commands: ["snapshots"], run: snapshots },
  { fixture: "stats-raw-data", commands: ["stats"], run: stats },
  { fixture: "stats-restore-size", commands: ["stats"], run: stats },
  { fixture: "cat-config", commands: ["cat config"], run: (context) => catConfig(context) },
  { fixture: "forget-dry-run", commands: ["forget"], run: forget },
  { fixture: "forget-prune", commands: ["forget"], run: forget },
  { fixture: "prune", commands: ["prune"], run: prune },
  { fixture: "error-locked", commands: ["prune"], run: prune },
  { fixture: "unlock", commands: ["unlock"], run: unlock },
  { fixture: "list-locks-empty", commands: ["list locks"], run: (context) => listLockIds(context) },
  {
    fixture: "list-locks-stale",
    commands: ["list locks", "cat lock"],
    run: (context) => listLocks(context, { probe: PROBE }),
  },
  { fixture: "version", commands: ["version"], run: (context) => version(context) },
];

/** A runner that plays the runs in order (the last again if more are started), in small chunks. */
function playRunner(
  runs: readonly RecordedRun[],
  output: Pick<OutputCase, "run" | "rawBytes" | "chunkSize">,
) {
  let next = 0;
  return fakeRunner((process) => {
    const run = runs[Math.min(next, runs.length - 1)];
    const mutated = next === output.run;
    next += 1;
    if (run === undefined) throw new Error("no run to play");
    let stdout = Buffer.from(run.stdout, "utf8");
    if (mutated && output.rawBytes) {
      const at = output.rawBytes.at % (stdout.length + 1);
      stdout = Buffer.concat([stdout.subarray(0, at), output.rawBytes.bytes, stdout.subarray(at)]);
    }
    for (let offset = 0; offset < stdout.length; offset += output.chunkSize) {
      process.writeStdout(stdout.subarray(offset, offset + output.chunkSize));
    }
    process.writeStderr(run.stderr);
    process.exit({ code: run.exitCode, signal: run.exitCode === null ? "SIGKILL" : null });
  }).runner;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

async function runOn(target: Target, fixture: Fixture, runs: RecordedRun[], output: OutputCase) {
  const context: ResticContext = {
    repository: { url: "rest:http://127.0.0.1:9/fuzz", password: "fuzz-password" },
    cacheDir: fixture.context.cacheDir,
    inheritEnv: { PATH: "/usr/bin" },
    runner: playRunner(runs, output),
  };
  try {
    return { ok: true, value: await target.run(context, fixture.input as never) } as Outcome;
  } catch (error) {
    return { ok: false, error } as Outcome;
  }
}

/** What an invalid-output error says: which line, which field, or what was missing. */
const CLEAR_OUTPUT_ERROR = new RegExp(
  [
    "printed a JSON line without message_type: ",
    'printed unknown message_type ".*" \\(expected ',
    'printed a ".+" message that does not match the expected shape \\(.+: .+\\): ',
    "printed output that is not JSON: ",
    "printed JSON that does not match the expected shape \\(.+: .+\\): ",
    "printed a line that is not a lock id: ",
    "printed no version: ",
    "exited with code \\S+ without .+",
  ].join("|"),
  "s",
);

/** The outcome is a result the contracts accept, or a ResticError that says what went wrong. */
function expectResultOrClearError(target: Target, outcome: Outcome) {
  if (outcome.ok) {
    const value = outcome.value;
    if (Array.isArray(value)) {
      for (const id of value) expect(id).toMatch(/^[0-9a-f]{64}$/);
      return;
    }
    const parsed = ZJobResult.safeParse(value);
    expect(parsed.error?.issues ?? [], JSON.stringify(value)).toEqual([]);
    return;
  }
  const { error } = outcome;
  if (!(error instanceof ResticError)) {
    throw new Error(
      `restic ${target.commands[0]} let an unexpected error escape: ${String(error)}`,
      {
        cause: error,
      },
    );
  }
  expect(target.commands).toContain(error.command);
  expect(error.message.startsWith(`restic ${error.command} `), error.message).toBe(true);
  expect(ZResticErrorReport.safeParse(error.toReport()).success).toBe(true);
  if (error.code === "invalid_output") {
    expect(error.message).toMatch(CLEAR_OUTPUT_ERROR);
  } else if (error.code !== "check_failed") {
    // A failed run names the exit code or the signal, and what restic said.
    expect(error.message).toMatch(/failed \(exit code -?\d+\): .+|was killed by \S+: .+/s);
  }
}

const FUZZED = TARGETS;

describe("restic output parsers under fuzzing", () => {
  for (const target of FUZZED) {
    it(`${target.fixture}: ${MUTATED_RUNS_PER_FIXTURE} mutations of the recorded output end in a valid result or a clear ResticError`, async () => {
      const fixture = loadFixture(target.fixture);
      await fc.assert(
        fc.asyncProperty(mutatedOutput(fixture), async (output) => {
          const outcome = await runOn(target, fixture, casedRuns(fixture, output), output);
          expectResultOrClearError(target, outcome);
        }),
        { numRuns: MUTATED_RUNS_PER_FIXTURE },
      );
    });
  }

  it(`random stdout in place of each command's output (${FUZZED.length} × ${RANDOM_RUNS_PER_FIXTURE}) ends in a valid result or a clear ResticError`, async () => {
    const fixtures = FUZZED.map((target) => loadFixture(target.fixture));
    const randomText = fc.array(randomLine, { maxLength: 6 }).map((lines) => lines.join("\n"));
    for (const [index, target] of FUZZED.entries()) {
      const fixture = fixtures[index] as Fixture;
      await fc.assert(
        fc.asyncProperty(randomText, exitCode(0), async (stdout, code) => {
          const runs = fixture.runs.map((run) => ({ ...run, stdout, exitCode: code }));
          const output = {
            run: 0,
            stdoutEdits: [],
            stderrEdits: [],
            exitCode: code,
            rawBytes: null,
            chunkSize: 64,
          };
          expectResultOrClearError(target, await runOn(target, fixture, runs, output));
        }),
        { numRuns: RANDOM_RUNS_PER_FIXTURE },
      );
    }
  });

  it("stderr: 4,000 streams of random bytes and mutated exit_error/error lines are collected without throwing, bounded", () => {
    const recorded = [
      "error-locked",
      "error-no-repository",
      "error-wrong-password",
      "backup-partial",
      "check-damaged",
    ]
      .flatMap((name) => loadFixture(name).runs.map((run) => run.stderr))
      .join("\n");
    const stream = fc.oneof(
      fc
        .array(lineEdit, { minLength: 1, maxLength: 4 })
        .map((edits) => Buffer.from(edits.reduce(editLines, recorded))),
      fc.uint8Array({ maxLength: 400 }).map((bytes) => Buffer.from(bytes)),
      fc.array(randomLine, { maxLength: 8 }).map((lines) => Buffer.from(lines.join("\n"))),
    );
    fc.assert(
      fc.property(stream, fc.integer({ min: 8, max: 300 }), (bytes, chunkSize) => {
        const lines: string[] = [];
        const collector = new StderrCollector(
          2048,
          (text) => text.replaceAll("fuzz-password", "***"),
          (line) => lines.push(line),
        );
        for (let offset = 0; offset < bytes.length; offset += chunkSize) {
          collector.push(bytes.subarray(offset, offset + chunkSize));
        }
        collector.end();
        expect(collector.tail().length).toBeLessThanOrEqual(2048 + 2100);
        expect(collector.itemErrors.length).toBeLessThanOrEqual(50);
        expect(collector.itemErrorCount).toBeGreaterThanOrEqual(collector.itemErrors.length);
        for (const item of collector.itemErrors)
          expect(ZItemError.safeParse(item).success).toBe(true);
        if (collector.exitError) expect(Number.isInteger(collector.exitError.code)).toBe(true);
        for (const line of lines) expect(typeof line).toBe("string");
      }),
      { numRuns: 4000 },
    );
  });

  it("version text: 15,000 random and mutated outputs parse to a valid version or to null", () => {
    const recorded = loadFixture("version").runs[0]?.stdout ?? "";
    const text = fc.oneof(
      fc
        .array(lineEdit, { minLength: 1, maxLength: 3 })
        .map((edits) => edits.reduce(editLines, recorded)),
      fc.string({ unit: "binary", maxLength: 120 }),
      fc
        .tuple(fc.string({ maxLength: 20 }), fc.string({ maxLength: 40 }))
        .map(([v, rest]) => `restic ${v} compiled with ${rest}`),
    );
    fc.assert(
      fc.property(text, (output) => {
        const parsed = parseVersionOutput(output);
        if (parsed !== null) expect(ZVersionResult.safeParse(parsed).success).toBe(true);
      }),
      { numRuns: 15_000 },
    );
  });

  it("prune report: 6,000 random and mutated text reports parse to a report the contracts accept", () => {
    const recorded = (loadFixture("prune").runs[0]?.stdout ?? "").split("\n");
    const amount = fc.tuple(
      fc.oneof(fc.nat().map(String), fc.constantFrom("9".repeat(400), "1.2.3", ".", "")),
      fc.oneof(
        fc.double({ min: 0, noNaN: true }).map(String),
        fc.constantFrom("1.2.3", ".", "9".repeat(400), "1e5"),
      ),
      fc.constantFrom("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "iB"),
    );
    const line = fc.oneof(
      fc.string({ unit: "binary", maxLength: 80 }),
      fc
        .tuple(
          fc.constantFrom("to repack", "this removes", "to delete", "total prune", "remaining"),
          amount,
        )
        .map(([label, [blobs, size, unit]]) => `${label}: ${blobs} blobs / ${size} ${unit}`),
      fc
        .tuple(amount)
        .map(
          ([[, size, unit]]) => `unused size after prune: ${size} ${unit} (1% of remaining size)`,
        ),
      fc.constantFrom(...recorded),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 60 }), fc.boolean(), (lines, dryRun) => {
        const report = parsePruneReport(lines, dryRun);
        expect(ZPruneReport.safeParse(report).error?.issues ?? []).toEqual([]);
        expect(report.output.length).toBeLessThanOrEqual(40);
      }),
      { numRuns: 6000 },
    );
  });

  it("sizes: 15,000 random size texts parse to a finite, non-negative byte count or to null", () => {
    const size = fc.oneof(
      fc.string({ unit: "binary", maxLength: 20 }),
      fc
        .tuple(
          fc.stringMatching(/^[\d.]{0,12}$/),
          fc.constantFrom(" ", "", "  "),
          fc.constantFrom("B", "KiB", "MiB", "GiB", "TiB", "PiB", "KB", "iB"),
        )
        .map(([number, space, unit]) => `${number}${space}${unit}`),
      fc.constant(`${"9".repeat(400)} PiB`),
    );
    fc.assert(
      fc.property(size, (text) => {
        const bytes = parseSize(text);
        if (bytes !== null) {
          expect(Number.isFinite(bytes), `${text} → ${bytes}`).toBe(true);
          expect(bytes).toBeGreaterThanOrEqual(0);
        }
      }),
      { numRuns: 15_000 },
    );
  });
});
