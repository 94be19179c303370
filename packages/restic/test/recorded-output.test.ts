import { createHash } from "node:crypto";
import type { TBackupProgress, TRestoreProgress } from "@restic-manager/contracts";
import { describe, expect, it } from "vitest";
import {
  assertSupportedVersion,
  backup,
  catConfig,
  check,
  diff,
  dump,
  forget,
  init,
  listLocks,
  ls,
  prune,
  restore,
  snapshots,
  stats,
  unlock,
  version,
} from "../src/index.js";
import {
  type Fixture,
  loadFixture,
  loadTree,
  REPLAY_PASSWORD,
  replayContext,
} from "./support/fixtures.js";

/**
 * Every command module against output recorded from real restic 0.18 and rest-server (see
 * scripts/record-fixtures.ts). The replay also checks that the module builds exactly the
 * arguments that were recorded.
 */
const tree = loadTree();

function replay<T>(
  name: string,
  action: (
    context: ReturnType<typeof replayContext>["context"],
    fixture: Fixture<T>,
  ) => Promise<unknown>,
) {
  const fixture = loadFixture<T>(name);
  const { context, replay } = replayContext(fixture);
  return { fixture, replay, run: () => action(context, fixture) };
}

/** Paths in the snapshots are absolute: the tree root as recorded plus the relative path. */
const inTree = (relative: string) => `${tree.root}/${relative}`;
/** restic stores the backed-up directory's parents too: `/tmp` and the recorder's temp dir. */
const ancestorDirs = tree.root.split("/").filter(Boolean).length - 1;

async function recordedIds() {
  const first = await backup(
    replayContext(loadFixture("backup-first")).context,
    loadFixture<{ paths: string[] }>("backup-first").input,
  );
  const second = await backup(
    replayContext(loadFixture("backup-second")).context,
    loadFixture<{ paths: string[] }>("backup-second").input,
  );
  if (!first.snapshotId || !second.snapshotId)
    throw new Error("recorded backups have no snapshot ids");
  return { first: first.snapshotId, second: second.snapshotId };
}

describe("recorded real output", () => {
  it("version: parses restic version --json and accepts it", async () => {
    const { fixture, run } = replay("version", (context) => version(context));
    const result = await run();
    expect(result).toEqual({
      kind: "version",
      version: fixture.restic,
      goVersion: expect.stringMatching(/^go1\./),
      os: "linux",
      arch: expect.any(String),
    });
    expect(() => assertSupportedVersion(fixture.restic)).not.toThrow();
  });

  it("init and cat config report the same repository id", async () => {
    const initialized = await replay("init", (context) => init(context)).run();
    const config = await replay("cat-config", (context) => catConfig(context)).run();
    expect(initialized).toEqual({
      kind: "init",
      repositoryId: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(config).toEqual({
      kind: "cat-config",
      config: {
        version: 2,
        id: (initialized as { repositoryId: string }).repositoryId,
        chunkerPolynomial: expect.stringMatching(/^[0-9a-f]+$/),
      },
    });
  });

  it("backup: first run counts every generated file and delivers the final progress", async () => {
    const progress: TBackupProgress[] = [];
    const fixture = loadFixture<{ paths: string[] }>("backup-first");
    const { context, replay: player } = replayContext(fixture);
    const result = await backup(context, fixture.input, { onProgress: (p) => progress.push(p) });

    expect(result.status).toBe("complete");
    expect(result.snapshotId).toMatch(/^[0-9a-f]{64}$/);
    expect(result.summary.filesNew).toBe(tree.first.files.length);
    expect(result.summary.totalFilesProcessed).toBe(tree.first.files.length);
    expect(result.summary.totalBytesProcessed).toBe(tree.first.totalBytes);
    // the root, its 4 subdirectories and the parents restic records
    expect(result.summary.dirsNew).toBe(tree.first.dirs.length + 1 + ancestorDirs);
    expect(result.itemErrorCount).toBe(0);
    expect(progress.at(-1)).toMatchObject({
      kind: "backup",
      percentDone: 1,
      filesDone: tree.first.files.length,
      totalBytes: tree.first.totalBytes,
    });
    expect(player.remaining).toBe(0);
  });

  it("backup: repository and password reach restic only through its environment", async () => {
    const fixture = loadFixture<{ paths: string[] }>("backup-first");
    const { context, replay: player } = replayContext(fixture);
    await backup(context, fixture.input);
    const spec = player.specs[0];
    expect(spec?.env.RESTIC_PASSWORD).toBe(REPLAY_PASSWORD);
    expect(spec?.env.RESTIC_REPOSITORY).toBe(context.repository.url);
    expect(spec?.args.join(" ")).not.toContain(REPLAY_PASSWORD);
    expect(spec?.args.join(" ")).not.toContain(context.repository.url);
    for (const run of fixture.runs) {
      expect(run.envKeys).toEqual(expect.arrayContaining(["RESTIC_PASSWORD", "RESTIC_REPOSITORY"]));
    }
  });

  it("backup: second run sees one change, one addition and the rest unmodified", async () => {
    const fixture = loadFixture<{ paths: string[] }>("backup-second");
    const result = await backup(replayContext(fixture).context, fixture.input);
    expect(result.summary).toMatchObject({
      filesNew: 1,
      filesChanged: 1,
      filesUnmodified: tree.second.files.length - 2,
      totalFilesProcessed: tree.second.files.length,
      totalBytesProcessed: tree.second.totalBytes,
    });
  });

  it("snapshots: lists both backups with their ids, host, tags, paths and parent", async () => {
    const ids = await recordedIds();
    const result = await replay("snapshots", (context) => snapshots(context, {})).run();
    const list = (result as Awaited<ReturnType<typeof snapshots>>).snapshots;
    expect(list.map((s) => s.id)).toEqual([ids.first, ids.second]);
    expect(list.map((s) => s.shortId)).toEqual([ids.first.slice(0, 8), ids.second.slice(0, 8)]);
    for (const snapshot of list) {
      expect(snapshot.hostname).toBe(tree.host);
      expect(snapshot.tags).toEqual(tree.tags);
      expect(snapshot.paths).toEqual([tree.root]);
    }
    expect(list[0]?.parent).toBeNull();
    expect(list[1]?.parent).toBe(ids.first);
    expect(list[1]?.summary?.totalFilesProcessed).toBe(tree.second.files.length);
  });

  it("stats --mode restore-size: sizes and counts of both snapshots", async () => {
    const result = await replay("stats-restore-size", (context) =>
      stats(context, { mode: "restore-size" }),
    ).run();
    const nodesPerSnapshot = (facts: typeof tree.first) =>
      facts.files.length + facts.dirs.length + 1 + ancestorDirs;
    expect(result).toMatchObject({
      kind: "stats",
      mode: "restore-size",
      totalSize: tree.first.totalBytes + tree.second.totalBytes,
      totalFileCount: nodesPerSnapshot(tree.first) + nodesPerSnapshot(tree.second),
      snapshotsCount: 2,
      totalUncompressedSize: null,
    });
  });

  it("stats --mode raw-data: what the repository stores, compressed", async () => {
    const result = (await replay("stats-raw-data", (context) =>
      stats(context, { mode: "raw-data" }),
    ).run()) as Awaited<ReturnType<typeof stats>>;
    expect(result.mode).toBe("raw-data");
    expect(result.snapshotsCount).toBe(2);
    expect(result.totalBlobCount).toBeGreaterThan(0);
    expect(result.totalUncompressedSize).toBeGreaterThan(result.totalSize);
    expect(result.compressionRatio).toBeGreaterThan(1);
    expect(result.totalFileCount).toBeNull();
  });

  it("ls: lists every file of the second snapshot with its size", async () => {
    const ids = await recordedIds();
    const fixture = loadFixture<{ snapshotId: string }>("ls");
    const result = await ls(replayContext(fixture).context, fixture.input);
    expect(result.snapshot.id).toBe(ids.second);
    const files = result.nodes.filter((node) => node.type === "file");
    expect(files.map((node) => node.path).sort()).toEqual(
      tree.second.files.map((f) => inTree(f.path)).sort(),
    );
    for (const file of tree.second.files) {
      expect(files.find((node) => node.path === inTree(file.path))?.size).toBe(file.size);
    }
    expect(result.nodes.filter((node) => node.type === "dir").map((node) => node.path)).toEqual(
      expect.arrayContaining(tree.second.dirs.map(inTree)),
    );
  });

  it("diff: the modified, added and removed files between the snapshots", async () => {
    const ids = await recordedIds();
    const fixture = loadFixture<{ from: string; to: string }>("diff");
    const result = await diff(replayContext(fixture).context, fixture.input);
    expect(result.changes).toEqual(
      expect.arrayContaining([
        { path: inTree(tree.changes.modified), modifier: "M" },
        { path: inTree(tree.changes.added), modifier: "+" },
        { path: inTree(tree.changes.removed), modifier: "-" },
      ]),
    );
    expect(result.changes).toHaveLength(3);
    expect(result.statistics).toMatchObject({
      sourceSnapshot: ids.first,
      targetSnapshot: ids.second,
      changedFiles: 1,
    });
    expect(result.statistics.added.files).toBe(1);
    expect(result.statistics.removed.files).toBe(1);
  });

  it("check --read-data-subset: a clean repository", async () => {
    const fixture = loadFixture<{ readDataSubset: string }>("check");
    expect(fixture.runs[0]?.args).toContain("--read-data-subset=50%");
    const result = await check(replayContext(fixture).context, fixture.input);
    expect(result).toEqual({
      kind: "check",
      ok: true,
      numErrors: 0,
      brokenPacks: [],
      suggestRepairIndex: false,
      suggestPrune: false,
      errors: [],
    });
  });

  it("forget --dry-run: keeps the latest snapshot, would remove the first", async () => {
    const ids = await recordedIds();
    const fixture = loadFixture<Parameters<typeof forget>[1]>("forget-dry-run");
    const result = await forget(replayContext(fixture).context, fixture.input);
    expect(result.dryRun).toBe(true);
    expect(result.groups).toHaveLength(1);
    const group = result.groups[0];
    expect(group?.host).toBe(tree.host);
    expect(group?.keep.map((s) => s.id)).toEqual([ids.second]);
    expect(group?.remove.map((s) => s.id)).toEqual([ids.first]);
    expect(group?.reasons).toEqual([{ snapshotId: ids.second, matches: ["last snapshot"] }]);
    expect(result).toMatchObject({ keptCount: 1, removedCount: 1, prune: null });
  });

  it("forget --prune: removes the first snapshot and reads prune's report", async () => {
    const ids = await recordedIds();
    const fixture = loadFixture<Parameters<typeof forget>[1]>("forget-prune");
    const result = await forget(replayContext(fixture).context, fixture.input);
    expect(result.dryRun).toBe(false);
    expect(result.groups[0]?.remove.map((s) => s.id)).toEqual([ids.first]);
    expect(result.removedCount).toBe(1);
    expect(result.prune).not.toBeNull();
    expect(result.prune?.totalPrune?.blobs).toBeGreaterThan(0);
    expect(result.prune?.remaining?.blobs).toBeGreaterThan(0);
  });

  it("prune --dry-run: nothing left to prune after forget --prune", async () => {
    const result = await replay("prune", (context) => prune(context, { dryRun: true })).run();
    expect(result).toMatchObject({
      kind: "prune",
      report: {
        dryRun: true,
        totalPrune: { blobs: 0, bytes: 0 },
        toDelete: { blobs: 0, bytes: 0 },
        unusedAfterPruneBytes: 0,
      },
    });
  });

  it("restore: every file and byte of the latest snapshot", async () => {
    const fixture = loadFixture<Parameters<typeof restore>[1]>("restore");
    const result = await restore(replayContext(fixture).context, fixture.input);
    expect(result.summary).toMatchObject({
      totalFiles: tree.second.files.length + tree.second.dirs.length + 1 + ancestorDirs,
      totalBytes: tree.second.totalBytes,
      bytesRestored: tree.second.totalBytes,
    });
    expect(result.itemErrorCount).toBe(0);
  });

  it("restore --include: only docs/", async () => {
    const fixture = loadFixture<Parameters<typeof restore>[1]>("restore-include");
    const result = await restore(replayContext(fixture).context, fixture.input);
    const docs = tree.second.files.filter((file) => file.path.startsWith("docs/"));
    expect(result.summary.totalBytes).toBe(docs.reduce((sum, file) => sum + file.size, 0));
    expect(result.summary.totalFiles).toBe(docs.length + 1);
  });

  it("dump: the modified note, byte for byte", async () => {
    const fixture = loadFixture<Parameters<typeof dump>[1]>("dump");
    const result = await dump(replayContext(fixture).context, fixture.input);
    const expected = tree.second.files.find((file) => file.path === tree.changes.modified);
    expect(result.sizeBytes).toBe(expected?.size);
    expect(
      createHash("sha256")
        .update(result.data ?? Buffer.alloc(0))
        .digest("hex"),
    ).toBe(expected?.sha256);
  });

  it("list locks: none while nothing runs", async () => {
    const result = await replay("list-locks-empty", (context) => listLocks(context)).run();
    expect(result).toEqual({ kind: "list-locks", locks: [] });
  });

  it("list locks: the lock a killed backup left, judged stale like restic's unlock does", async () => {
    const fixture = loadFixture("list-locks-stale");
    expect(fixture.runs).toHaveLength(2);
    const recorded = JSON.parse(fixture.runs[1]?.stdout ?? "{}") as {
      hostname: string;
      pid: number;
      time: string;
    };
    const probe = (
      overrides: Partial<{ now: Date; hostname: string; processExists: () => boolean }>,
    ) =>
      listLocks(replayContext(fixture).context, {
        probe: {
          now: new Date(recorded.time),
          hostname: recorded.hostname,
          processExists: () => true,
          ...overrides,
        },
      });

    const gone = await probe({ processExists: () => false });
    expect(gone.locks).toEqual([
      {
        id: expect.stringMatching(/^[0-9a-f]{64}$/),
        time: recorded.time,
        exclusive: false,
        hostname: recorded.hostname,
        username: expect.any(String),
        pid: recorded.pid,
        stale: true,
        staleReason: "process-gone",
      },
    ]);
    const live = await probe({});
    expect(live.locks[0]).toMatchObject({ stale: false, staleReason: null });
    const old = await probe({
      hostname: "another-host",
      now: new Date(Date.parse(recorded.time) + 31 * 60_000),
    });
    expect(old.locks[0]).toMatchObject({ stale: true, staleReason: "expired" });
  });

  it("unlock: removes the stale lock", async () => {
    const result = await replay("unlock", (context) => unlock(context, {})).run();
    expect(result).toEqual({ kind: "unlock", removedLocks: 1 });
  });

  it("backup with an unreadable file: a partial result with the item error, not a failure", async () => {
    if (tree.partial === null) return; // recorded only where an unreadable file can be made
    const fixture = loadFixture<Parameters<typeof backup>[1]>("backup-partial");
    const result = await backup(replayContext(fixture).context, fixture.input);
    expect(result.status).toBe("partial");
    expect(result.snapshotId).toMatch(/^[0-9a-f]{64}$/);
    expect(result.summary.filesNew).toBe(1);
    expect(result.itemErrorCount).toBe(1);
    expect(result.itemErrors[0]).toMatchObject({
      item: `${tree.partial.root}/${tree.partial.unreadable}`,
      during: "archival",
      message: expect.stringContaining("permission denied"),
    });
  });
});

describe("recorded real failures map to typed errors", () => {
  it("wrong password: exit code 12, ResticWrongPasswordError, password absent", async () => {
    const error = await replay("error-wrong-password", (context) => snapshots(context))
      .run()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: "ResticWrongPasswordError",
      code: "wrong_password",
      exitCode: 12,
      command: "snapshots",
    });
    expect(String((error as Error).message)).toContain("wrong password");
    expect(JSON.stringify(error)).not.toContain(REPLAY_PASSWORD);
    expect((error as Error).message).not.toContain(REPLAY_PASSWORD);
  });

  it("missing repository: exit code 10, ResticRepositoryNotFoundError", async () => {
    const error = await replay("error-no-repository", (context) => snapshots(context))
      .run()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: "ResticRepositoryNotFoundError",
      code: "no_repository",
      exitCode: 10,
    });
    expect((error as Error).message).toContain("repository does not exist");
  });

  it("init of an existing repository: exit code 1, ResticFatalError", async () => {
    const error = await replay("error-init-exists", (context) => init(context))
      .run()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "ResticFatalError", code: "fatal", exitCode: 1 });
    expect((error as Error).message).toContain("already exists");
  });

  it("stale lock held: exit code 11, ResticRepositoryLockedError naming the holder", async () => {
    const error = await replay("error-locked", (context) => prune(context))
      .run()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: "ResticRepositoryLockedError",
      code: "locked",
      exitCode: 11,
    });
    expect((error as Error).message).toMatch(/already locked by PID \d+/);
  });

  it("interrupted from outside: exit code 130, ResticInterruptedError, progress seen before", async () => {
    const progress: TRestoreProgress[] = [];
    const fixture = loadFixture<Parameters<typeof restore>[1]>("error-interrupted");
    const error = await restore(
      replayContext(fixture, { progressIntervalMs: 0 }).context,
      fixture.input,
      {
        onProgress: (p) => progress.push(p),
      },
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: "ResticInterruptedError",
      code: "interrupted",
      exitCode: 130,
    });
    expect(progress.length).toBeGreaterThan(0);
    expect(progress[0]).toMatchObject({
      kind: "restore",
      percentDone: 0,
      totalBytes: expect.any(Number),
    });
  });

  it("damaged pack: check throws ResticCheckFailedError with the broken pack", async () => {
    const error = await replay("check-damaged", (context) => check(context, { readData: true }))
      .run()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: "ResticCheckFailedError",
      code: "check_failed",
      exitCode: 1,
    });
    const result = (error as { result: Awaited<ReturnType<typeof check>> }).result;
    expect(result.ok).toBe(false);
    expect(result.numErrors).toBe(1);
    expect(result.brokenPacks).toHaveLength(1);
    expect(result.errors[0]).toContain(`pack ${result.brokenPacks[0]}`);
  });
});
