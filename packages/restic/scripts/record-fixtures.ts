/**
 * Records real restic output for the unit tests: starts a rest-server on loopback, runs every
 * command module against it (successes and the failures that can be provoked) and writes
 * test/fixtures/*.json with arguments, stdout, stderr and exit code of each restic run.
 *
 *   PATH=<dir with restic and rest-server>:$PATH npx tsx packages/restic/scripts/record-fixtures.ts
 *
 * RESTIC_BIN and REST_SERVER_BIN override the binaries. The repository password is random and
 * thrown away; the script fails if it (or any other secret) appears in a fixture.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  changeTree,
  describeTree,
  generateTree,
  startRestServer,
  TREE_CHANGES,
} from "@restic-manager/test-support";
import {
  backup,
  catConfig,
  check,
  diff,
  dump,
  forget,
  init,
  listLocks,
  ls,
  nodeProcessRunner,
  type ProcessRunner,
  prune,
  type ResticContext,
  ResticError,
  type ResticOptions,
  restore,
  snapshots,
  stats,
  unlock,
  version,
} from "../src/index.js";
import { FIXTURES_DIR, type Fixture, type TreeFixture } from "../test/support/fixtures.js";
import { recordingRunner, signalOnFirstOutput } from "../test/support/runners.js";

const resticBin = process.env.RESTIC_BIN ?? "restic";
const HOST = "fixture-host";
const TAGS = ["fixture"];
/** Large enough that a throttled backup or restore is still running when it is signalled. */
const SLOW_FILE_BYTES = 2 * 1024 * 1024;

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`record-fixtures: ${message}`);
}

async function main() {
  const work = await mkdtemp(path.join(tmpdir(), "rm-fixtures-"));
  const password = `throwaway-${randomBytes(12).toString("hex")}`;
  const wrongPassword = `wrong-${randomBytes(12).toString("hex")}`;
  const server = await startRestServer(path.join(work, "server"));
  const fixtures: Fixture[] = [];
  const resticVersion = (await version({ bin: resticBin })).version;

  const cacheDir = path.join(work, "cache");
  const base = { bin: resticBin, cacheDir };
  const mainRepo: ResticContext = {
    ...base,
    repository: { url: server.repository("main"), password },
  };
  const auxRepo: ResticContext = {
    ...base,
    repository: { url: server.repository("aux"), password },
  };

  /** Runs one command with a recording runner and keeps its runs as fixture `name`. */
  async function record<C extends ResticOptions, T>(
    name: string,
    description: string,
    input: unknown,
    context: C,
    action: (context: C) => Promise<T>,
    inner: ProcessRunner = nodeProcessRunner,
  ): Promise<T | ResticError> {
    const recorder = recordingRunner(inner);
    const withRecorder: C = { ...context, runner: recorder.runner };
    let result: T | ResticError;
    try {
      result = await action(withRecorder);
    } catch (error) {
      if (!(error instanceof ResticError)) throw error;
      result = error;
    }
    fixtures.push({
      name,
      description,
      restic: resticVersion,
      context: { cacheDir: typeof context.cacheDir === "string" ? context.cacheDir : cacheDir },
      input: input ?? null,
      runs: recorder.runs,
    });
    const outcome = result instanceof ResticError ? `${result.code} (${result.exitCode})` : "ok";
    console.log(`recorded ${name}: ${outcome}`);
    return result;
  }

  try {
    const root = path.join(work, "tree");
    await generateTree(root);
    const first = await describeTree(root);

    await record("version", "restic version --json", null, base, (c) => version(c));
    await record("init", "init of a new repository", null, mainRepo, (c) => init(c));
    await record("cat-config", "cat config of that repository", null, mainRepo, (c) =>
      catConfig(c),
    );

    const backupInput = { paths: [root], tags: TAGS, host: HOST };
    const firstBackup = await record(
      "backup-first",
      "first backup of the generated tree",
      backupInput,
      mainRepo,
      (c) => backup(c, backupInput),
    );
    assert(!(firstBackup instanceof ResticError), "first backup failed");
    await changeTree(root);
    const second = await describeTree(root);
    const secondBackup = await record(
      "backup-second",
      `second backup after changing ${TREE_CHANGES.modified}, adding ${TREE_CHANGES.added} and removing ${TREE_CHANGES.removed}`,
      backupInput,
      mainRepo,
      (c) => backup(c, backupInput),
    );
    assert(!(secondBackup instanceof ResticError), "second backup failed");
    assert(firstBackup.snapshotId && secondBackup.snapshotId, "backups made no snapshots");

    await record("snapshots", "snapshots of the repository", {}, mainRepo, (c) => snapshots(c));
    const restoreSize = { mode: "restore-size" } as const;
    await record("stats-restore-size", "stats --mode restore-size", restoreSize, mainRepo, (c) =>
      stats(c, restoreSize),
    );
    const rawData = { mode: "raw-data" } as const;
    await record("stats-raw-data", "stats --mode raw-data", rawData, mainRepo, (c) =>
      stats(c, rawData),
    );
    const lsInput = { snapshotId: secondBackup.snapshotId };
    await record("ls", "ls of the second snapshot", lsInput, mainRepo, (c) => ls(c, lsInput));
    const diffInput = { from: firstBackup.snapshotId, to: secondBackup.snapshotId };
    await record("diff", "diff of the two snapshots", diffInput, mainRepo, (c) =>
      diff(c, diffInput),
    );
    const checkInput = { readDataSubset: "50%" };
    await record("check", "check --read-data-subset 50%", checkInput, mainRepo, (c) =>
      check(c, checkInput),
    );
    const forgetDryRun = {
      policy: { keepLast: 1 },
      groupBy: ["host" as const],
      hosts: [HOST],
      dryRun: true,
    };
    await record("forget-dry-run", "forget --keep-last 1 --dry-run", forgetDryRun, mainRepo, (c) =>
      forget(c, forgetDryRun),
    );

    const restoreInput = { snapshotId: "latest", target: path.join(work, "restore") };
    await record("restore", "restore of the latest snapshot", restoreInput, mainRepo, (c) =>
      restore(c, restoreInput),
    );
    const restored = await describeTree(path.join(restoreInput.target, root));
    assert(
      JSON.stringify(restored.files) === JSON.stringify(second.files),
      "restored files differ from the tree",
    );
    const includeInput = {
      snapshotId: secondBackup.snapshotId,
      target: path.join(work, "restore-docs"),
      includes: [`${root}/docs`],
    };
    await record("restore-include", "restore of docs/ only", includeInput, mainRepo, (c) =>
      restore(c, includeInput),
    );
    const dumpInput = { snapshotId: "latest", path: `${root}/${TREE_CHANGES.modified}` };
    await record("dump", "dump of the modified note", dumpInput, mainRepo, (c) =>
      dump(c, dumpInput),
    );
    await record("list-locks-empty", "list locks while nothing runs", null, mainRepo, (c) =>
      listLocks(c),
    );

    const wrong: ResticContext = {
      ...mainRepo,
      repository: { url: server.repository("main"), password: wrongPassword },
    };
    await record("error-wrong-password", "snapshots with a wrong password", {}, wrong, (c) =>
      snapshots(c),
    );
    const missing: ResticContext = {
      ...mainRepo,
      repository: { url: server.repository("missing"), password },
    };
    await record(
      "error-no-repository",
      "snapshots of a repository that does not exist",
      {},
      missing,
      (c) => snapshots(c),
    );
    await record("error-init-exists", "init of a repository that exists", null, mainRepo, (c) =>
      init(c),
    );

    const forgetPrune = { policy: { keepLast: 1 }, prune: true };
    await record("forget-prune", "forget --keep-last 1 --prune", forgetPrune, mainRepo, (c) =>
      forget(c, forgetPrune),
    );
    await record("prune", "prune --dry-run after that", { dryRun: true }, mainRepo, (c) =>
      prune(c, { dryRun: true }),
    );

    // A second repository for the runs that leave it locked or damaged.
    await init(auxRepo);
    const slow = path.join(work, "slow");
    await mkdir(slow);
    await writeFile(path.join(slow, "random.bin"), randomBytes(SLOW_FILE_BYTES));
    await backup(auxRepo, { paths: [slow] });

    // SIGKILL mid-backup leaves a stale lock behind, as a crashed agent would. New random data
    // keeps the throttled upload busy, so restic is surely still running when it is killed.
    await writeFile(path.join(slow, "more-random.bin"), randomBytes(SLOW_FILE_BYTES));
    const killed = await backup(
      { ...auxRepo, runner: signalOnFirstOutput(nodeProcessRunner, "SIGKILL") },
      { paths: [slow], limitUpload: 64, tags: ["killed"] },
    ).catch((error: unknown) => error);
    assert(
      killed instanceof ResticError && killed.exitCode === null,
      "the killed backup did not die",
    );
    await record("list-locks-stale", "list locks after a backup was killed", null, auxRepo, (c) =>
      listLocks(c),
    );
    await record("error-locked", "prune while the stale lock is there", {}, auxRepo, (c) =>
      prune(c),
    );
    await record("unlock", "unlock removes the stale lock", {}, auxRepo, (c) => unlock(c));

    const interruptInput = {
      snapshotId: "latest",
      target: path.join(work, "restore-interrupted"),
      limitDownload: 64,
    };
    await record(
      "error-interrupted",
      "restore interrupted by a SIGINT from outside (not through the AbortSignal)",
      interruptInput,
      auxRepo,
      (c) => restore(c, interruptInput),
      signalOnFirstOutput(nodeProcessRunner, "SIGINT"),
    );

    const partial = await recordPartialBackup(work, auxRepo, record);

    await corruptOnePack(path.join(work, "server", "aux"));
    await record(
      "check-damaged",
      "check --read-data of a repository with a damaged pack",
      { readData: true },
      auxRepo,
      (c) => check(c, { readData: true }),
    );

    const tree: TreeFixture = {
      root,
      first,
      second,
      changes: TREE_CHANGES,
      host: HOST,
      tags: TAGS,
      partial,
    };
    await writeFixtures(fixtures, tree, [password, wrongPassword]);
  } finally {
    await server.stop();
    await rm(work, { recursive: true, force: true });
  }
}

type Recorder = <C extends ResticOptions, T>(
  name: string,
  description: string,
  input: unknown,
  context: C,
  action: (context: C) => Promise<T>,
  inner?: ProcessRunner,
) => Promise<T | ResticError>;

/**
 * Exit code 3 needs a file restic cannot read. Root reads everything, so as root restic runs
 * as `nobody` through setpriv; without setpriv the recording is skipped (the tests then fall
 * back on a fake runner for exit code 3).
 */
async function recordPartialBackup(work: string, context: ResticContext, record: Recorder) {
  const root = path.join(work, "partial");
  await mkdir(root);
  const readable = path.join(root, "readable.txt");
  const unreadable = path.join(root, "unreadable.txt");
  await writeFile(readable, "restic can read this\n");
  await writeFile(unreadable, "but not this\n");
  await chmod(unreadable, 0o000);
  let inner: ProcessRunner = nodeProcessRunner;
  let runContext = context;
  if (process.getuid?.() === 0) {
    if (spawnSync("setpriv", ["--version"]).status !== 0) {
      console.log("skipped backup-partial: running as root without setpriv");
      return null;
    }
    const nobodyCache = path.join(work, "cache-nobody");
    await mkdir(nobodyCache);
    await chmod(nobodyCache, 0o777);
    await chmod(work, 0o755);
    await chmod(root, 0o755);
    inner = (spec) =>
      nodeProcessRunner({
        ...spec,
        command: "setpriv",
        args: [
          "--reuid=65534",
          "--regid=65534",
          "--clear-groups",
          "--",
          spec.command,
          ...spec.args,
        ],
      });
    runContext = { ...context, cacheDir: nobodyCache };
  }
  const input = { paths: [root], tags: ["partial"] };
  await record(
    "backup-partial",
    "backup of a tree with one unreadable file (exit code 3)",
    input,
    runContext,
    (c) => backup(c, input),
    inner,
  );
  return { root, unreadable: path.basename(unreadable), readable: path.basename(readable) };
}

/** Overwrites a few bytes of one data pack so `check --read-data` finds it damaged. */
async function corruptOnePack(repositoryDir: string) {
  const dataDir = path.join(repositoryDir, "data");
  for (const sub of (await readdir(dataDir)).sort()) {
    const packs = await readdir(path.join(dataDir, sub));
    const pack = packs[0];
    if (pack === undefined) continue;
    const file = path.join(dataDir, sub, pack);
    const content = await readFile(file);
    content.write("damaged!", 16);
    await writeFile(file, content);
    return;
  }
  throw new Error("record-fixtures: no data pack to damage");
}

async function writeFixtures(fixtures: Fixture[], tree: TreeFixture, secrets: string[]) {
  await rm(FIXTURES_DIR, { recursive: true, force: true });
  await mkdir(FIXTURES_DIR, { recursive: true });
  const files: [string, string][] = [
    ...fixtures.map((fixture): [string, string] => [
      `${fixture.name}.json`,
      `${JSON.stringify(fixture, null, 2)}\n`,
    ]),
    ["tree.json", `${JSON.stringify(tree, null, 2)}\n`],
  ];
  for (const [name, content] of files) {
    for (const secret of secrets) {
      assert(!content.includes(secret), `a secret appears in ${name}`);
    }
    await writeFile(path.join(FIXTURES_DIR, name), content);
  }
  // Written in the repository's format, so a fresh recording does not fail the lint step.
  const biome = path.resolve(import.meta.dirname, "../../../node_modules/.bin/biome");
  spawnSync(biome, ["format", "--write", FIXTURES_DIR], { stdio: "ignore" });
  const total = files.reduce((sum, [, content]) => sum + content.length, 0);
  console.log(`wrote ${files.length} files (${Math.round(total / 1024)} KiB) to ${FIXTURES_DIR}`);
}

await main();
