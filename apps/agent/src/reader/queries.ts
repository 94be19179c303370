import path from "node:path";
import {
  QUERY_LIMITS,
  type TAgentCommand,
  type TQueryAnswer,
  type TQueryReply,
} from "@restic-manager/contracts";
import { diff, ls, ResticError, snapshots } from "@restic-manager/restic";
import type { AgentConfig } from "../config.js";
import type { Log } from "../log.js";
import { BrowseCache } from "./browseCache.js";

type QueryCommand = Extract<TAgentCommand, { type: "query" }>;

/** Listings of opened snapshots kept on this endpoint, at most this much disk by default. */
const DEFAULT_BROWSE_CACHE_BYTES = 1024 ** 3;

/** `*.pdf`, `report?.txt` → a case-insensitive test of a whole name. */
export function namePattern(pattern: string): (name: string) => boolean {
  const source = [...pattern]
    .map((char) =>
      char === "*" ? ".*" : char === "?" ? "." : char.replace(/[.+^${}()|[\]\\]/g, "\\$&"),
    )
    .join("");
  const regex = new RegExp(`^${source}$`, "i");
  return (name) => regex.test(name);
}

/**
 * Answers the server's queries (snapshot lists, directories, search by name, diffs) with restic,
 * outside the job queue: a browser waiting on a folder is not held behind a long backup.
 * Directory listings come from the browse cache after the first open of a snapshot.
 */
export function createQueryHandler(config: AgentConfig, log: Log) {
  const caches = new Map<string, BrowseCache>();
  const cacheFor = (command: QueryCommand) => {
    // One cache per repository URL, so equal snapshot ids of two repositories never mix.
    const key = Buffer.from(command.repository.url).toString("base64url").slice(0, 48);
    let cache = caches.get(key);
    if (!cache) {
      cache = new BrowseCache(
        path.join(config.stateDir, "browse", key),
        async (snapshotId, onNode) => {
          await ls(context(command), { snapshotId }, { onNode });
        },
        config.browseCacheMaxBytes ?? DEFAULT_BROWSE_CACHE_BYTES,
      );
      caches.set(key, cache);
    }
    return cache;
  };
  const context = (command: QueryCommand) => ({
    bin: config.resticPath ?? "restic",
    ...(config.resticCacheDir ? { cacheDir: config.resticCacheDir } : {}),
    repository: command.repository,
  });

  async function answer(command: QueryCommand): Promise<TQueryAnswer> {
    const { query } = command;
    switch (query.kind) {
      case "snapshots": {
        const result = await snapshots(context(command), query.tags ? { tags: query.tags } : {});
        const newest = [...result.snapshots].sort((a, b) => b.time.localeCompare(a.time));
        return {
          kind: "snapshots",
          snapshots: newest.slice(0, QUERY_LIMITS.maxSnapshots),
          truncated: newest.length > QUERY_LIMITS.maxSnapshots,
        };
      }
      case "browse": {
        const page = await cacheFor(command).directory(
          query.snapshotId,
          query.path,
          query.offset,
          QUERY_LIMITS.maxEntries,
        );
        if (!page.found) throw new Error(`${query.path} is not a directory in this snapshot`);
        return {
          kind: "browse",
          path: query.path,
          entries: page.entries,
          total: page.total,
          offset: query.offset,
          cached: page.cached,
        };
      }
      case "find": {
        const found = await cacheFor(command).find(
          query.snapshotId,
          namePattern(query.pattern),
          QUERY_LIMITS.maxFindMatches,
        );
        return {
          kind: "find",
          matches: found.matches.map(({ path: itemPath, type, size, mtime }) => ({
            path: itemPath,
            type,
            size,
            mtime,
          })),
          truncated: found.truncated,
        };
      }
      case "diff": {
        const result = await diff(context(command), { from: query.from, to: query.to });
        const limit = QUERY_LIMITS.maxEntries;
        return {
          ...result,
          changes: result.changes.slice(0, limit),
          truncated: result.changes.length > limit,
        };
      }
      default: {
        const exhaustive: never = query;
        throw new Error(`unknown query ${JSON.stringify(exhaustive)}`);
      }
    }
  }

  return async (command: QueryCommand): Promise<TQueryReply> => {
    const started = Date.now();
    try {
      const result = await answer(command);
      log.info("query.answered", {
        id: command.id,
        kind: command.query.kind,
        ms: Date.now() - started,
      });
      return { id: command.id, ok: true, answer: result };
    } catch (error) {
      const message =
        error instanceof ResticError ? error.message : `agent error: ${(error as Error).message}`;
      log.warn("query.failed", { id: command.id, kind: command.query.kind, message });
      return { id: command.id, ok: false, error: message.slice(0, 4000) };
    }
  };
}
