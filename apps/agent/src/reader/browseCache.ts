import { closeSync, openSync, writeSync } from "node:fs";
import {
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  utimes,
  writeFile,
} from "node:fs/promises";
import path from "node:path";
import type { TBrowseEntry, TLsNode } from "@restic-manager/contracts";

/** Where one directory's entries lie in the entries file: byte offset, byte length, count. */
type Slot = [offset: number, length: number, count: number];
type Index = Record<string, Slot>;

interface OpenSnapshot {
  index: Index;
  entriesFile: string;
}

/** Lists a whole snapshot, node by node, in restic's order (depth first, names sorted). */
export type SnapshotLister = (snapshotId: string, onNode: (node: TLsNode) => void) => Promise<void>;

const ENTRIES = "entries.jsonl";
const INDEX = "index.json";
const OPEN_SNAPSHOTS_KEPT = 3;

function entryType(type: string): TBrowseEntry["type"] {
  return type === "file" || type === "dir" || type === "symlink" ? type : "other";
}

function parentOf(nodePath: string): string {
  const parent = path.posix.dirname(nodePath);
  return parent === "." ? "/" : parent;
}

/**
 * A listing of each snapshot opened in the browser, kept on the agent: one `restic ls` of the
 * whole snapshot the first time, written grouped by directory (an entries file and an index of
 * where each directory's entries lie), so every later directory opens with one read, without
 * restic. restic lists depth first, so a directory's entries are complete once the walk leaves
 * it: only the directories on the current path are held in memory while the listing is built.
 *
 * Costs about 80–100 bytes of disk per file in the snapshot; the least recently opened
 * listings are removed past `maxBytes`.
 */
export class BrowseCache {
  private readonly building = new Map<string, Promise<void>>();
  private readonly opened = new Map<string, OpenSnapshot>();

  constructor(
    private readonly dir: string,
    private readonly list: SnapshotLister,
    private readonly maxBytes: number,
  ) {}

  /** One page of a directory's entries; builds the snapshot's listing first when needed. */
  async directory(
    snapshotId: string,
    directory: string,
    offset: number,
    limit: number,
  ): Promise<{ entries: TBrowseEntry[]; total: number; cached: boolean; found: boolean }> {
    const cached = await this.ensure(snapshotId);
    const snapshot = await this.open(snapshotId);
    const slot = snapshot.index[directory];
    if (!slot) return { entries: [], total: 0, cached, found: false };
    const [start, length, count] = slot;
    const handle = await open(snapshot.entriesFile, "r");
    try {
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, start);
      const lines = buffer.toString("utf8").split("\n");
      const entries = lines
        .slice(offset, offset + limit)
        .filter((line) => line.length > 0)
        .map((line) => JSON.parse(line) as TBrowseEntry);
      return { entries, total: count, cached, found: true };
    } finally {
      await handle.close();
    }
  }

  /**
   * Entries whose name matches `test`, with their paths, at most `limit` (the scan goes on
   * to say whether there were more).
   */
  async find(
    snapshotId: string,
    test: (name: string) => boolean,
    limit: number,
  ): Promise<{ matches: Array<TBrowseEntry & { path: string }>; truncated: boolean }> {
    await this.ensure(snapshotId);
    const snapshot = await this.open(snapshotId);
    const bytes = await readFile(snapshot.entriesFile);
    const matches: Array<TBrowseEntry & { path: string }> = [];
    let truncated = false;
    for (const [directory, [start, length]] of Object.entries(snapshot.index)) {
      const chunk = bytes.subarray(start, start + length).toString("utf8");
      for (const line of chunk.split("\n")) {
        if (!line) continue;
        const entry = JSON.parse(line) as TBrowseEntry;
        if (!test(entry.name)) continue;
        if (matches.length >= limit) {
          truncated = true;
          break;
        }
        matches.push({ ...entry, path: path.posix.join(directory, entry.name) });
      }
      if (truncated) break;
    }
    return { matches, truncated };
  }

  /** True when the listing was already on disk; otherwise it is built now (once, if asked twice). */
  private async ensure(snapshotId: string): Promise<boolean> {
    const dir = path.join(this.dir, snapshotId);
    try {
      await stat(path.join(dir, INDEX));
      // Opening marks it recently used, for eviction.
      const now = new Date();
      await utimes(dir, now, now).catch(() => undefined);
      return true;
    } catch {
      // not built yet
    }
    let building = this.building.get(snapshotId);
    if (!building) {
      building = this.build(snapshotId).finally(() => this.building.delete(snapshotId));
      this.building.set(snapshotId, building);
    }
    await building;
    return false;
  }

  private async open(snapshotId: string): Promise<OpenSnapshot> {
    const known = this.opened.get(snapshotId);
    if (known) {
      this.opened.delete(snapshotId);
      this.opened.set(snapshotId, known);
      return known;
    }
    const dir = path.join(this.dir, snapshotId);
    const snapshot = {
      index: JSON.parse(await readFile(path.join(dir, INDEX), "utf8")) as Index,
      entriesFile: path.join(dir, ENTRIES),
    };
    this.opened.set(snapshotId, snapshot);
    while (this.opened.size > OPEN_SNAPSHOTS_KEPT) {
      const oldest = this.opened.keys().next().value;
      if (oldest === undefined) break;
      this.opened.delete(oldest);
    }
    return snapshot;
  }

  private async build(snapshotId: string): Promise<void> {
    if (!/^[0-9a-f]{8,64}$/.test(snapshotId)) throw new Error(`invalid snapshot id ${snapshotId}`);
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const work = path.join(this.dir, `${snapshotId}.building-${process.pid}`);
    await rm(work, { recursive: true, force: true });
    await mkdir(work, { mode: 0o700 });
    // Written synchronously as each directory completes: memory stays bounded by the walk.
    const fd = openSync(path.join(work, ENTRIES), "w", 0o600);
    const writer = new GroupedWriter(fd);
    try {
      await this.list(snapshotId, (node) => writer.add(node));
      writer.finish();
      closeSync(fd);
      await writeFile(path.join(work, INDEX), JSON.stringify(writer.index), { mode: 0o600 });
      const dir = path.join(this.dir, snapshotId);
      await rm(dir, { recursive: true, force: true });
      await rename(work, dir);
    } catch (error) {
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
      await rm(work, { recursive: true, force: true });
      throw error;
    }
    await this.evict(snapshotId);
  }

  /** Removes the least recently opened listings past the budget (never the one just built). */
  private async evict(keep: string): Promise<void> {
    const names = (await readdir(this.dir)).filter((name) => /^[0-9a-f]{8,64}$/.test(name));
    const listings = await Promise.all(
      names.map(async (name) => {
        const dir = path.join(this.dir, name);
        const [info, entries] = await Promise.all([
          stat(dir),
          stat(path.join(dir, ENTRIES)).catch(() => ({ size: 0 })),
        ]);
        return { name, dir, used: info.mtimeMs, bytes: entries.size };
      }),
    );
    listings.sort((a, b) => b.used - a.used);
    let total = 0;
    for (const listing of listings) {
      total += listing.bytes;
      if (total > this.maxBytes && listing.name !== keep) {
        this.opened.delete(listing.name);
        await rm(listing.dir, { recursive: true, force: true });
      }
    }
  }
}

/**
 * Takes restic's depth-first walk and writes each directory's entries together, once the walk
 * has left the directory: the directories on the current path are the only ones held.
 */
class GroupedWriter {
  readonly index: Index = {};
  private readonly stack: Array<{ path: string; lines: string[]; bytes: number }> = [
    { path: "/", lines: [], bytes: 0 },
  ];
  private offset = 0;

  constructor(private readonly fd: number) {}

  add(node: TLsNode): void {
    const parent = parentOf(node.path);
    while (this.stack.length > 1 && this.top().path !== parent) this.flush();
    if (this.top().path !== parent) {
      // restic always prints a directory before its entries; anything else is not a walk.
      throw new Error(`restic listed ${node.path} outside the directory being walked`);
    }
    const entry: TBrowseEntry = {
      name: node.name,
      type: entryType(node.type),
      size: node.size,
      mode: node.mode,
      mtime: node.mtime,
    };
    const line = `${JSON.stringify(entry)}\n`;
    const top = this.top();
    top.lines.push(line);
    top.bytes += Buffer.byteLength(line);
    if (entry.type === "dir") this.stack.push({ path: node.path, lines: [], bytes: 0 });
  }

  finish(): void {
    while (this.stack.length > 0) this.flush();
  }

  private top() {
    const top = this.stack.at(-1);
    if (!top) throw new Error("the walk ended early");
    return top;
  }

  private flush(): void {
    const done = this.stack.pop();
    if (!done) return;
    this.index[done.path] = [this.offset, done.bytes, done.lines.length];
    if (done.bytes > 0) writeSync(this.fd, done.lines.join(""));
    this.offset += done.bytes;
  }
}
