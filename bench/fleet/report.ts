import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { DispatchFigures } from "./measure/dispatch.js";
import type { HoldFigures } from "./measure/hold.js";
import type { ListCase } from "./measure/lists.js";
import type { ProgressFigures } from "./measure/progress.js";
import type { StormFigures } from "./measure/storm.js";
import { mean, percentile, round } from "./stats.js";

interface BareRun {
  hold: HoldFigures;
  storm: StormFigures;
  progress: ProgressFigures[];
}
interface ApiRun extends BareRun {
  dispatch: DispatchFigures;
  lists: ListCase[];
  healthz: number[];
  healthFailures: number;
}

function worst(cases: ListCase[], group: ListCase["group"], key: "p95Ms" | "meanBytes") {
  const values = cases.filter((c) => c.group === group).map((c) => c[key]);
  return values.length > 0 ? Math.max(...values) : Number.NaN;
}

/** The run as the flat object of numbers bench/results.json holds. */
export function figuresOf(bare: BareRun, api: ApiRun): Record<string, number> {
  const top = api.progress.at(-1);
  const bareTop = bare.progress.at(-1);
  const jobs = api.lists.filter((c) => c.group === "jobs");
  const firstJobsPage = jobs.find((c) => c.name === "jobs.list first page, no filter");
  const figures: Record<string, number> = {
    agents_connected: api.hold.connected,
    api_rss_mb_at_agents: api.hold.rssMb,
    bare_rss_mb_at_agents: bare.hold.rssMb,
    rss_ratio_to_bare_transport: api.hold.rssMb / bare.hold.rssMb,
    api_kb_per_agent: ((api.hold.rssMb - api.hold.rssMbBefore) * 1024) / api.hold.connected,
    bare_kb_per_client: ((bare.hold.rssMb - bare.hold.rssMbBefore) * 1024) / bare.hold.connected,
    reconnect_storm_s: api.storm.seconds,
    bare_reconnect_storm_s: bare.storm.seconds,
    connects_per_s: api.storm.connectsPerSecond,
    bare_connects_per_s: bare.storm.connectsPerSecond,
    dispatch_p50_ms: api.dispatch.p50Ms,
    dispatch_p99_ms: api.dispatch.p99Ms,
    dispatch_failed: api.dispatch.failed + api.dispatch.undelivered,
    dispatch_create_p99_ms: api.dispatch.createP99Ms,
    api_cpu_ms_per_job: api.dispatch.cpuMsPerJob,
    // Less what holding the fleet costs anyway (its keep-alives) over the same time.
    api_cpu_ms_per_job_above_idle:
      (api.dispatch.cpuMs - (api.hold.idleCpuPercent / 100) * api.dispatch.cpuWallMs) /
      Math.max(1, api.dispatch.created),
    api_cpu_pct_idle_at_agents: api.hold.idleCpuPercent,
    bare_cpu_pct_idle_at_clients: bare.hold.idleCpuPercent,
    progress_events_per_s: top?.eventsPerSecond ?? Number.NaN,
    fanout_p99_ms: top?.fanoutP99Ms ?? Number.NaN,
    bare_fanout_p99_ms: bareTop?.fanoutP99Ms ?? Number.NaN,
    api_cpu_pct_at_progress: top?.cpuPercent ?? Number.NaN,
    bare_cpu_pct_at_progress: bareTop?.cpuPercent ?? Number.NaN,
    fanout_p99_ms_at_1000: api.progress[0]?.fanoutP99Ms ?? Number.NaN,
    api_cpu_pct_at_1000: api.progress[0]?.cpuPercent ?? Number.NaN,
    list_hosts_p95_ms: worst(api.lists, "hosts", "p95Ms"),
    list_jobs_p95_ms: percentile(
      jobs.map((c) => c.p95Ms),
      100,
    ),
    dashboard_p95_ms: worst(api.lists, "dashboard", "p95Ms"),
    list_hosts_bytes: worst(api.lists, "hosts", "meanBytes"),
    list_jobs_bytes: firstJobsPage?.meanBytes ?? mean(jobs.map((c) => c.meanBytes)),
    dashboard_bytes: worst(api.lists, "dashboard", "meanBytes"),
    healthz_p99_ms_under_load: percentile(api.healthz, 99),
    healthz_max_ms_under_load: percentile(api.healthz, 100),
  };
  return Object.fromEntries(
    Object.entries(figures).map(([key, value]) => [
      key,
      Number.isFinite(value) ? round(value) : -1,
    ]),
  );
}

/** Merges into bench/results.json, keeping what other bench scripts wrote there. */
export function writeResults(figures: Record<string, number>): void {
  const file = path.join(import.meta.dirname, "..", "results.json");
  let results: Record<string, number> = {};
  try {
    results = JSON.parse(readFileSync(file, "utf8")) as Record<string, number>;
  } catch {
    // the first figures
  }
  writeFileSync(file, `${JSON.stringify({ ...results, ...figures }, null, 2)}\n`);
}

const TARGETS: Record<string, string> = {
  api_rss_mb_at_agents: "≤ 1024",
  rss_ratio_to_bare_transport: "≤ 1.3",
  connects_per_s: "≥ bare ÷ 2",
  dispatch_p99_ms: "≤ 50",
  dispatch_failed: "0",
  api_cpu_ms_per_job: "≤ 2",
  progress_events_per_s: "≥ 5000",
  fanout_p99_ms: "≤ 50 (≤ 250 in #12)",
  api_cpu_pct_at_progress: "≤ 50",
  list_hosts_p95_ms: "≤ 50",
  list_jobs_p95_ms: "≤ 50",
  dashboard_p95_ms: "≤ 50",
  dashboard_bytes: "≤ 102400",
  healthz_p99_ms_under_load: "≤ 50",
};

export function printTable(figures: Record<string, number>, lists: ListCase[]): void {
  console.log("\n| figure | value | target |\n|---|---|---|");
  for (const [key, value] of Object.entries(figures)) {
    console.log(`| ${key} | ${value} | ${TARGETS[key] ?? ""} |`);
  }
  console.log("\n| list call | calls | p50 ms | p95 ms | bytes |\n|---|---|---|---|---|");
  for (const c of lists) {
    console.log(
      `| ${c.name} | ${c.calls}${c.failed ? ` (${c.failed} failed)` : ""} | ${c.p50Ms.toFixed(1)} | ${c.p95Ms.toFixed(1)} | ${Math.round(c.meanBytes)} |`,
    );
  }
}
