import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * The functions a V8 CPU profile (`node --cpu-prof`) spent the most self time in, over every
 * profile in `dir`, with the share of the total: where the server's CPU went.
 */
export function topSelfTime(dir: string, count = 20): string[] {
  const selfUs = new Map<string, number>();
  const byPart = new Map<string, number>();
  let totalUs = 0;
  for (const file of readdirSync(dir).filter((name) => name.endsWith(".cpuprofile"))) {
    const profile = JSON.parse(readFileSync(path.join(dir, file), "utf8")) as CpuProfile;
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    profile.samples.forEach((id, i) => {
      const node = byId.get(id);
      const delta = profile.timeDeltas[i] ?? 0;
      if (!node) return;
      const { functionName, url, lineNumber } = node.callFrame;
      const where = url ? `${shorten(url)}:${lineNumber + 1}` : "";
      const key = `${functionName || "(anonymous)"} ${where}`.trim();
      // Idle time is the process waiting for work: the shares are of the time it was busy.
      if (functionName === "(idle)") return;
      selfUs.set(key, (selfUs.get(key) ?? 0) + delta);
      byPart.set(partOf(url, functionName), (byPart.get(partOf(url, functionName)) ?? 0) + delta);
      totalUs += delta;
    });
  }
  const lines = (entries: Map<string, number>, n: number) =>
    [...entries.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([key, us]) => `${((us / totalUs) * 100).toFixed(1).padStart(5)} %  ${key}`);
  return [
    `busy ${(totalUs / 1e6).toFixed(1)} s of CPU; by part:`,
    ...lines(byPart, 12),
    "by function (self time):",
    ...lines(selfUs, count),
  ];
}

const SQLITE_CALLS = new Set(["all", "run", "get", "iterate", "prepare", "exec", "columns"]);

/** Which part of the stack a frame belongs to: a package, the server's own code, or V8/Node. */
function partOf(url: string, functionName: string): string {
  // better-sqlite3's statement calls are native; V8 charges their time to the JS frame that
  // made them (the adapter's or the server's statement cache's all/run/get).
  if (SQLITE_CALLS.has(functionName)) return "SQLite statements (better-sqlite3, native)";
  const modules = url.lastIndexOf("node_modules/");
  if (modules >= 0) {
    const [scope = "", name = ""] = url.slice(modules + "node_modules/".length).split("/");
    return scope.startsWith("@") ? `${scope}/${name}` : scope;
  }
  if (url.startsWith("node:")) return "node internals";
  if (url.startsWith("wasm://")) return "@prisma/client (wasm query compiler)";
  if (url.includes("/main.js"))
    return "server code (bundle: app, contracts, generated Prisma client)";
  return functionName.startsWith("(") ? functionName : "native (sqlite, sockets, crypto …)";
}

/** node_modules/.pnpm/<pkg>@<version>/node_modules/<pkg>/dist/x.js → <pkg>/dist/x.js */
function shorten(url: string): string {
  const modules = url.lastIndexOf("node_modules/");
  if (modules >= 0) return url.slice(modules + "node_modules/".length);
  return url.replace(/^file:\/\/.*?\/(apps|packages|bench)\//, "$1/");
}
