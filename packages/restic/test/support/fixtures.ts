import { readFileSync } from "node:fs";
import path from "node:path";
import type { TREE_CHANGES, TreeFacts } from "@restic-manager/test-support";
import type { ResticContext } from "../../src/index.js";
import { type RecordedRun, replayRunner } from "./runners.js";

export const FIXTURES_DIR = path.resolve(import.meta.dirname, "../fixtures");

export interface Fixture<Input = unknown> {
  name: string;
  description: string;
  /** `restic version` of the binary that produced the output. */
  restic: string;
  /** The options the recording ran with that shape the arguments. */
  context: { cacheDir: string };
  input: Input;
  runs: RecordedRun[];
}

/** What the recorder generated and backed up, so tests can assert real values. */
export interface TreeFixture {
  root: string;
  first: TreeFacts;
  second: TreeFacts;
  changes: typeof TREE_CHANGES;
  host: string;
  tags: string[];
  partial: { root: string; unreadable: string; readable: string } | null;
}

export function loadFixture<Input = unknown>(name: string): Fixture<Input> {
  return JSON.parse(
    readFileSync(path.join(FIXTURES_DIR, `${name}.json`), "utf8"),
  ) as Fixture<Input>;
}

export function loadTree(): TreeFixture {
  return JSON.parse(readFileSync(path.join(FIXTURES_DIR, "tree.json"), "utf8")) as TreeFixture;
}

/** A password that was never used for any recording: proves replays do not depend on it. */
export const REPLAY_PASSWORD = "replay-password-unused";

/** A context whose runner replays the fixture's recorded runs (and checks their arguments). */
export function replayContext(fixture: Fixture, overrides: Partial<ResticContext> = {}) {
  const replay = replayRunner(fixture.runs);
  const context: ResticContext = {
    repository: { url: "rest:http://127.0.0.1:9/replay", password: REPLAY_PASSWORD },
    cacheDir: fixture.context.cacheDir,
    inheritEnv: { PATH: "/usr/bin" },
    runner: replay.runner,
    ...overrides,
  };
  return { context, replay };
}
