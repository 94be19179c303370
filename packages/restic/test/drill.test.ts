import { chmod, mkdir, mkdtemp, open, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TBackupResult, TDrillResult } from "@restic-manager/contracts";
import {
  changeTree,
  describeTree,
  generateTree,
  type TreeFacts,
  toolOrPath,
} from "@restic-manager/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  backup,
  batchPatterns,
  drill,
  init,
  literalPattern,
  Reservoir,
  type ResticContext,
  ResticDrillFailedError,
  withinBytes,
} from "../src/index.js";

/**
 * Restore drills with the real restic on local repositories: a healthy one is drilled as it
 * is; another has a data pack overwritten in the middle, as a failing disk would.
 */
const bin = process.env.RESTIC_BIN ?? toolOrPath("restic");

let work: string;

async function repository(name: string): Promise<ResticContext> {
  const context: ResticContext = {
    bin,
    cacheDir: path.join(work, `cache-${name}`),
    repository: { url: path.join(work, `repo-${name}`), password: `drill-test-${name}` },
  };
  await init(context);
  return context;
}

/** A tree with a name restic would read as a glob and a read-only directory, besides the usual. */
async function makeTree(root: string): Promise<void> {
  await generateTree(root);
  await writeFile(path.join(root, "docs", "st*r [1]?.txt"), "a name full of glob characters\n");
  await mkdir(path.join(root, "sealed"));
  await writeFile(path.join(root, "sealed", "inside.txt"), "in a read-only directory\n");
  await chmod(path.join(root, "sealed"), 0o555);
}

/** The original file each drilled file was restored from: its path below the tree's root. */
function originalOf(facts: TreeFacts, root: string, snapshotPath: string) {
  const relative = path.relative(root, snapshotPath).split(path.sep).join("/");
  return facts.files.find((file) => file.path === relative);
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), "rm-restic-drill-"));
});

afterAll(async () => {
  if (!work) return;
  await chmod(path.join(work, "tree", "sealed"), 0o755).catch(() => undefined);
  await rm(work, { recursive: true, force: true });
});

describe("a restore drill of a healthy repository", () => {
  let context: ResticContext;
  let root: string;
  let latest: TreeFacts;
  let second: TBackupResult;
  let scratch: string;

  beforeAll(async () => {
    context = await repository("healthy");
    root = path.join(work, "tree");
    scratch = path.join(work, "scratch");
    await mkdir(scratch);
    await makeTree(root);
    await backup(context, { paths: [root], tags: ["rm-set:a"] });
    await changeTree(root);
    latest = await describeTree(root);
    second = await backup(context, { paths: [root], tags: ["rm-set:a"] });
    // Newer, but another set's: never drilled for set a.
    const other = path.join(work, "other");
    await mkdir(other);
    await writeFile(path.join(other, "elsewhere.txt"), "another set\n");
    await backup(context, { paths: [other], tags: ["rm-set:b"] });
  });

  it("restores a sample of the set's latest snapshot, each file's sha256 the original's, and removes it", async () => {
    const result = await drill(context, {
      tags: ["rm-set:a"],
      sampleFiles: 5,
      scratchDir: scratch,
    });
    expect(result).toMatchObject({
      kind: "drill",
      snapshotId: second.snapshotId,
      filesInSnapshot: latest.files.length,
      filesChecked: 5,
      failures: 0,
      restoreError: null,
    });
    expect(new Set(result.files.map((file) => file.path)).size).toBe(5);
    for (const file of result.files) {
      const original = originalOf(latest, root, file.path);
      expect(file).toEqual({
        path: file.path,
        size: original?.size,
        sha256: original?.sha256,
        ok: true,
        problem: null,
      });
    }
    expect(result.bytesChecked).toBe(result.files.reduce((sum, file) => sum + file.size, 0));
    expect(await readdir(scratch)).toEqual([]);
  });

  it("checks every file when the sample asks for more than there are, glob names and read-only directories included", {
    timeout: 120_000,
  }, async () => {
    const result = await drill(context, {
      tags: ["rm-set:a"],
      sampleFiles: 1000,
      scratchDir: scratch,
    });
    const checked = result.files.map((file) => path.relative(root, file.path)).sort();
    expect(checked).toEqual(latest.files.map((file) => file.path).sort());
    expect(checked).toContain("docs/st*r [1]?.txt");
    expect(checked).toContain("sealed/inside.txt");
    for (const file of result.files) {
      expect(file.sha256).toBe(originalOf(latest, root, file.path)?.sha256);
    }
    expect(result.bytesChecked).toBe(latest.totalBytes);
    expect(await readdir(scratch)).toEqual([]);
  });

  it("keeps the sample within the byte cap", async () => {
    const result = await drill(context, {
      tags: ["rm-set:a"],
      sampleFiles: 1000,
      sampleBytes: 3000,
      scratchDir: scratch,
    });
    expect(result.filesChecked).toBeGreaterThan(0);
    expect(result.bytesChecked).toBeLessThanOrEqual(3000);
    expect(result.filesInSnapshot).toBe(latest.files.filter((file) => file.size <= 3000).length);
    expect(result.failures).toBe(0);
  });

  it("fails with the reason when no snapshot carries the tag", async () => {
    const failed = drill(context, { tags: ["rm-set:none"], scratchDir: scratch });
    await expect(failed).rejects.toBeInstanceOf(ResticDrillFailedError);
    await expect(failed).rejects.toMatchObject({
      code: "check_failed",
      message: expect.stringMatching(/no snapshot carries the tag rm-set:none/),
    });
  });
});

describe("a restore drill of a repository with a damaged pack", () => {
  let context: ResticContext;
  let scratch: string;

  beforeAll(async () => {
    context = await repository("damaged");
    const root = path.join(work, "damaged-tree");
    scratch = path.join(work, "damaged-scratch");
    await mkdir(scratch);
    await generateTree(root);
    await backup(context, { paths: [root], tags: ["rm-set:d"] });
    await corruptLargestPack(path.join(work, "repo-damaged", "data"));
  });

  it("fails, names the damage, lists the files that did not verify, and still removes the sample", {
    timeout: 120_000,
  }, async () => {
    let failure: unknown;
    await drill(context, { tags: ["rm-set:d"], sampleFiles: 6, scratchDir: scratch }).catch(
      (error: unknown) => {
        failure = error;
      },
    );
    expect(failure).toBeInstanceOf(ResticDrillFailedError);
    const error = failure as ResticDrillFailedError;
    expect(error.code).toBe("check_failed");
    expect(error.message).toMatch(
      /^restore drill of snapshot [0-9a-f]{8} failed: \d+ of \d+ sampled files did not verify/,
    );
    expect(error.message).toMatch(/ciphertext verification failed/);
    const result = error.result as TDrillResult;
    expect(result.failures).toBeGreaterThan(0);
    expect(result.restoreError).toMatch(/restic restore failed/);
    const bad = result.files.filter((file) => !file.ok);
    expect(bad).toHaveLength(6);
    for (const file of bad) expect(file.problem).toMatch(/restic dump failed/);
    expect(await readdir(scratch)).toEqual([]);
  });
});

/**
 * Overwrites the blobs of the repository's largest pack (the data pack of a small backup),
 * leaving its header at the end intact: every file's data is damaged, the pack still listed.
 */
async function corruptLargestPack(dataDir: string): Promise<void> {
  let largest = { file: "", size: 0 };
  for (const prefix of await readdir(dataDir)) {
    for (const name of await readdir(path.join(dataDir, prefix))) {
      const file = path.join(dataDir, prefix, name);
      const { size } = await stat(file);
      if (size > largest.size) largest = { file, size };
    }
  }
  await chmod(largest.file, 0o600);
  const handle = await open(largest.file, "r+");
  const trailer = Buffer.alloc(4);
  await handle.read(trailer, 0, 4, largest.size - 4);
  const blobBytes = largest.size - 4 - trailer.readUInt32LE(0);
  await handle.write(Buffer.alloc(blobBytes - 16, 0x5a), 0, undefined, 8);
  await handle.close();
}

describe("drawing the sample", () => {
  it("a reservoir keeps at most its size, each item once, and counts what it was offered", () => {
    let next = 0;
    const reservoir = new Reservoir<number>(3, (bound) => (next++ * 7) % bound);
    for (let i = 0; i < 100; i += 1) reservoir.offer(i);
    expect(reservoir.items).toHaveLength(3);
    expect(new Set(reservoir.items).size).toBe(3);
    expect(reservoir.offered).toBe(100);
  });

  it("the byte cap passes over a file too large for what is left and takes a smaller one", () => {
    const files = [
      { path: "/a", size: 600 },
      { path: "/b", size: 600 },
      { path: "/c", size: 300 },
    ];
    const keepOrder = (bound: number) => bound - 1;
    expect(withinBytes(files, 1000, keepOrder).map((f) => f.path)).toEqual(["/a", "/c"]);
    expect(withinBytes(files, undefined, keepOrder)).toHaveLength(3);
  });

  it("a path becomes a pattern matching only itself; on Windows one it cannot name is left out", () => {
    expect(literalPattern("/home/x/st*r [1]?.txt", "linux")).toBe("/home/x/st\\*r \\[1\\]\\?.txt");
    expect(literalPattern("/home/x/back\\slash", "linux")).toBe("/home/x/back\\\\slash");
    expect(literalPattern("/C/Users/x/plain.txt", "win32")).toBe("/C/Users/x/plain.txt");
    expect(literalPattern("/C/Users/x/[draft].txt", "win32")).toBeNull();
  });

  it("restore runs keep their command lines short", () => {
    const patterns = Array.from({ length: 1200 }, (_, i) => `/data/${"x".repeat(50)}-${i}`);
    const batches = batchPatterns(patterns);
    expect(batches.flat()).toEqual(patterns);
    for (const batch of batches) {
      expect(batch.length).toBeLessThanOrEqual(500);
      expect(batch.join(" ").length).toBeLessThan(24_000);
    }
  });
});
