import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TBackupProgress, TBackupResult, TInitResult } from "@restic-manager/contracts";
import {
  changeTree,
  describeTree,
  generateTree,
  type RestServer,
  startRestServer,
  TREE_CHANGES,
  type TreeFacts,
} from "@restic-manager/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  backup,
  check,
  diff,
  dump,
  ensureSupportedVersion,
  forget,
  init,
  listLocks,
  ls,
  ResticCancelledError,
  type ResticContext,
  ResticWrongPasswordError,
  restore,
  snapshots,
  stats,
} from "../src/index.js";

/**
 * Real restic against a real rest-server on loopback. One repository is set up once and only
 * read by the tests below; the cancellation test makes its own.
 */
const bin = process.env.RESTIC_BIN ?? "restic";

let work: string;
let server: RestServer;
let context: ResticContext;
let root: string;
let firstTree: TreeFacts;
let secondTree: TreeFacts;
let initialized: TInitResult;
let first: TBackupResult;
let second: TBackupResult;
const firstProgress: TBackupProgress[] = [];

function repositoryContext(name: string, password = "integration-password-3141"): ResticContext {
  return {
    bin,
    cacheDir: path.join(work, "cache"),
    repository: { url: server.repository(name), password },
    // The tree is backed up in well under a second: restic's status lines (as many a second
    // as progress is delivered) come often enough to be seen only at this rate.
    progressIntervalMs: 20,
  };
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), "rm-restic-it-"));
  server = await startRestServer(path.join(work, "server"));
  context = repositoryContext("main");
  root = path.join(work, "tree");
  await generateTree(root);
  firstTree = await describeTree(root);
  initialized = await init(context);
  first = await backup(
    context,
    { paths: [root], tags: ["it"] },
    { onProgress: (p) => firstProgress.push(p) },
  );
  await changeTree(root);
  secondTree = await describeTree(root);
  second = await backup(context, { paths: [root], tags: ["it"] });
});

afterAll(async () => {
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe("restic and rest-server, for real", () => {
  it("restic is new enough", async () => {
    const found = await ensureSupportedVersion({ bin });
    expect(found.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("init and backup: snapshot made, every file counted, progress observed", () => {
    expect(initialized.repositoryId).toMatch(/^[0-9a-f]{64}$/);
    expect(first).toMatchObject({ status: "complete", itemErrorCount: 0 });
    expect(first.summary.filesNew).toBe(firstTree.files.length);
    expect(first.summary.totalBytesProcessed).toBe(firstTree.totalBytes);
    // restic does not always print a status line at 100 % before its summary, so only what it
    // printed is checked: progress arrived, moved forward and stayed within the tree's bounds.
    // (That the last sample is always delivered is tested with a fake clock in progress.test.ts.)
    expect(firstProgress.length).toBeGreaterThan(0);
    for (const [previous, next] of firstProgress.slice(1).map((p, i) => [firstProgress[i], p])) {
      expect(next?.filesDone).toBeGreaterThanOrEqual(previous?.filesDone ?? 0);
      expect(next?.percentDone).toBeGreaterThanOrEqual(previous?.percentDone ?? 0);
    }
    for (const sample of firstProgress) {
      expect(sample.percentDone).toBeLessThanOrEqual(1);
      expect(sample.filesDone).toBeLessThanOrEqual(firstTree.files.length);
    }
    expect(second.summary).toMatchObject({ filesNew: 1, filesChanged: 1 });
  });

  it("snapshots: both backups, second child of the first", async () => {
    const result = await snapshots(context, { tags: ["it"] });
    expect(result.snapshots.map((s) => s.id)).toEqual([first.snapshotId, second.snapshotId]);
    expect(result.snapshots[1]?.parent).toBe(first.snapshotId);
    expect(result.snapshots[0]?.paths).toEqual([root]);
  });

  it("stats in restore-size and raw-data mode", async () => {
    const restoreSize = await stats(context, { mode: "restore-size" });
    expect(restoreSize.totalSize).toBe(firstTree.totalBytes + secondTree.totalBytes);
    expect(restoreSize.snapshotsCount).toBe(2);
    const rawData = await stats(context, { mode: "raw-data" });
    expect(rawData.snapshotsCount).toBe(2);
    expect(rawData.totalBlobCount).toBeGreaterThan(0);
    expect(rawData.totalUncompressedSize).toBeGreaterThanOrEqual(rawData.totalSize);
  });

  it("check --read-data-subset finds no errors", async () => {
    const result = await check(context, { readDataSubset: "50%" });
    expect(result).toMatchObject({ ok: true, numErrors: 0 });
  });

  it("diff shows the three changes", async () => {
    const result = await diff(context, {
      from: first.snapshotId ?? "",
      to: second.snapshotId ?? "",
    });
    expect(result.changes).toEqual(
      expect.arrayContaining([
        { path: path.join(root, TREE_CHANGES.modified), modifier: "M" },
        { path: path.join(root, TREE_CHANGES.added), modifier: "+" },
        { path: path.join(root, TREE_CHANGES.removed), modifier: "-" },
      ]),
    );
    expect(result.statistics.changedFiles).toBe(1);
  });

  it("ls lists one directory of the latest snapshot", async () => {
    const docs = path.join(root, "docs");
    const result = await ls(context, { snapshotId: "latest", paths: [docs] });
    const names = result.nodes.filter((n) => n.type === "file").map((n) => n.name);
    const expected = secondTree.files
      .filter((f) => f.path.startsWith("docs/"))
      .map((f) => path.basename(f.path));
    expect(names.sort()).toEqual(expected.sort());
  });

  it("forget --dry-run with retention keeps the latest and removes nothing", async () => {
    const result = await forget(context, { policy: { keepLast: 1, keepDaily: 7 }, dryRun: true });
    expect(result.dryRun).toBe(true);
    expect(result.groups[0]?.keep.map((s) => s.id)).toContain(second.snapshotId);
    expect(result.groups[0]?.remove.map((s) => s.id)).toEqual([]);
    const rule = await forget(context, { policy: { keepLast: 1 }, dryRun: true });
    expect(rule.groups[0]?.remove.map((s) => s.id)).toEqual([first.snapshotId]);
    expect((await snapshots(context)).snapshots).toHaveLength(2);
  });

  it("restore reproduces the tree byte for byte", async () => {
    const target = path.join(work, "restored");
    const result = await restore(context, { snapshotId: second.snapshotId ?? "latest", target });
    expect(result.summary.bytesRestored).toBe(secondTree.totalBytes);
    const restored = await describeTree(path.join(target, root));
    expect(restored.files).toEqual(secondTree.files);
    expect(restored.dirs).toEqual(secondTree.dirs);
  });

  it("dump writes one file, identical to the source", async () => {
    const file = path.join(root, "photos", "photo-3.bin");
    const result = await dump(context, { snapshotId: "latest", path: file });
    expect(result.data?.equals(await readFile(file))).toBe(true);
    const target = path.join(work, "dumped.bin");
    const toFile = await dump(context, { snapshotId: "latest", path: file, target });
    expect(toFile).toMatchObject({ target, sizeBytes: result.sizeBytes });
    expect((await readFile(target)).equals(await readFile(file))).toBe(true);
  });

  it("a wrong password is a typed error without the password in it", async () => {
    const wrong = "not-the-password-2718";
    const error = await snapshots(repositoryContext("main", wrong)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResticWrongPasswordError);
    expect(error).toMatchObject({ exitCode: 12 });
    const report = JSON.stringify((error as ResticWrongPasswordError).toReport());
    expect(report).not.toContain(wrong);
    expect((error as Error).message).not.toContain(wrong);
  });

  it("cancelling a running backup stops restic, leaves no lock and a clean repository", async () => {
    const cancelContext = { ...repositoryContext("cancel"), killGraceMs: 15_000 };
    await init(cancelContext);
    const data = path.join(work, "random");
    await mkdir(data);
    await writeFile(path.join(data, "random.bin"), randomBytes(4 * 1024 * 1024));
    const controller = new AbortController();
    const progress: TBackupProgress[] = [];
    const started = Date.now();
    const error = await backup(
      cancelContext,
      { paths: [data], limitUpload: 100 },
      {
        signal: controller.signal,
        onProgress: (p) => {
          progress.push(p);
          controller.abort();
        },
      },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResticCancelledError);
    expect(error).toMatchObject({ code: "cancelled", command: "backup" });
    expect(progress.length).toBeGreaterThan(0);
    // 4 MiB at 100 KiB/s would take 40 s: it really was stopped
    expect(Date.now() - started).toBeLessThan(20_000);
    expect((await listLocks(cancelContext)).locks).toEqual([]);
    expect(await check(cancelContext)).toMatchObject({ ok: true, numErrors: 0 });
    expect((await snapshots(cancelContext)).snapshots).toEqual([]);
  });
});
