import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";

export interface TreeFile {
  /** Relative to the tree root, with forward slashes. */
  path: string;
  size: number;
  sha256: string;
}

export interface TreeFacts {
  files: TreeFile[];
  /** Directories below the root (the root itself not included), forward slashes. */
  dirs: string[];
  totalBytes: number;
}

/** Deterministic bytes (xorshift32), so the same tree comes out on every machine. */
function pseudoRandomBytes(seed: number, size: number): Buffer {
  const bytes = Buffer.alloc(size);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < size; i += 1) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    bytes[i] = state & 0xff;
  }
  return bytes;
}

function textContent(index: number, size: number): Buffer {
  const line = `line of note ${index}: the quick brown fox jumps over the lazy dog\n`;
  return Buffer.from(line.repeat(Math.ceil(size / line.length)).slice(0, size));
}

/** The small tree the fixtures and the integration test back up: 31 files, about 40 KiB. */
export async function generateTree(root: string): Promise<void> {
  await mkdir(path.join(root, "docs"), { recursive: true });
  await mkdir(path.join(root, "photos"), { recursive: true });
  await mkdir(path.join(root, "src", "nested"), { recursive: true });
  await writeFile(path.join(root, "README.txt"), "A tree generated for restic-manager's tests.\n");
  for (let i = 1; i <= 10; i += 1) {
    const name = `note-${String(i).padStart(2, "0")}.txt`;
    await writeFile(path.join(root, "docs", name), textContent(i, 200 + i * 150));
  }
  for (let i = 1; i <= 8; i += 1) {
    const name = `photo-${i}.bin`;
    await writeFile(path.join(root, "photos", name), pseudoRandomBytes(i * 7919, 1000 + i * 300));
  }
  for (let i = 1; i <= 6; i += 1) {
    await writeFile(
      path.join(root, "src", `module-${i}.ts`),
      `export const value${i} = ${i * 42};\n`,
    );
  }
  for (let i = 1; i <= 6; i += 1) {
    await writeFile(
      path.join(root, "src", "nested", `file-${i}.bin`),
      pseudoRandomBytes(i * 104729, 512),
    );
  }
}

/** Between the two backups: one file changed, one added, one removed. */
export const TREE_CHANGES = {
  modified: "docs/note-03.txt",
  added: "docs/new-note.txt",
  removed: "src/nested/file-6.bin",
} as const;

export async function changeTree(root: string): Promise<void> {
  await writeFile(path.join(root, TREE_CHANGES.modified), textContent(303, 900));
  await writeFile(path.join(root, TREE_CHANGES.added), "a note added before the second backup\n");
  await rm(path.join(root, TREE_CHANGES.removed));
}

/** Walks a tree and describes it: what a restore must reproduce byte for byte. */
export async function describeTree(root: string): Promise<TreeFacts> {
  const files: TreeFile[] = [];
  const dirs: string[] = [];
  const walk = async (dir: string, prefix: string) => {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        dirs.push(relative);
        await walk(full, relative);
      } else if (entry.isFile()) {
        const content = await readFile(full);
        files.push({
          path: relative,
          size: content.byteLength,
          sha256: createHash("sha256").update(content).digest("hex"),
        });
      }
    }
  };
  await walk(root, "");
  return { files, dirs, totalBytes: files.reduce((sum, file) => sum + file.size, 0) };
}
