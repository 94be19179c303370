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
      selfUs.set(key, (selfUs.get(key) ?? 0) + delta);
      totalUs += delta;
    });
  }
  return [...selfUs.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([key, us]) => `${((us / totalUs) * 100).toFixed(1).padStart(5)} %  ${key}`);
}

/** node_modules/.pnpm/<pkg>@<version>/node_modules/<pkg>/dist/x.js → <pkg>/dist/x.js */
function shorten(url: string): string {
  const modules = url.lastIndexOf("node_modules/");
  if (modules >= 0) return url.slice(modules + "node_modules/".length);
  return url.replace(/^file:\/\/.*?\/(apps|packages|bench)\//, "$1/");
}
