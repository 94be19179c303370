import { type Answer, call } from "../api.js";
import type { JobSample } from "../seed.js";
import { mean, percentile } from "../stats.js";

export interface ListCase {
  name: string;
  group: "hosts" | "jobs" | "dashboard";
  calls: number;
  failed: number;
  p50Ms: number;
  p95Ms: number;
  meanBytes: number;
}

interface Row {
  id: string;
  createdAt?: Date | string;
  name?: string;
}
interface Page {
  items: Row[];
  nextCursor?: string | null;
}

/** What the dashboard page asks for today, when the server has no dashboard.summary yet. */
const DASHBOARD_CALLS_TODAY: Array<[string, unknown]> = [
  ["hosts.list", { limit: 200 }],
  ["jobs.list", { limit: 5 }],
  ["jobs.summary", undefined],
  ["repositories.list", undefined],
  ["backupSets.list", {}],
  ["alerts.counts", undefined],
  ["alerts.list", { state: "open", limit: 5 }],
  ["schedules.misses", { limit: 5 }],
];

/**
 * A "load more" cursor pointing deep into the list. The server's cursor is opaque; it is
 * rewritten from the one it returned for page one: either a row id, or base64url JSON whose
 * values name the last row (id, createdAt, name), which are swapped for the deep row's.
 */
export function deepCursor(cursor: string, last: Row, target: Row): string | undefined {
  if (cursor === last.id) return target.id;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
  let replaced = 0;
  const swap = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(swap);
    if (value && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, swap(v)]));
    }
    const lastCreated = last.createdAt ? new Date(last.createdAt) : undefined;
    const targetCreated = target.createdAt ? new Date(target.createdAt) : undefined;
    if (value === last.id) {
      replaced++;
      return target.id;
    }
    if (value === last.name && target.name !== undefined) {
      replaced++;
      return target.name;
    }
    if (lastCreated && targetCreated) {
      if (value === lastCreated.getTime()) {
        replaced++;
        return targetCreated.getTime();
      }
      if (typeof value === "string" && new Date(value).getTime() === lastCreated.getTime()) {
        replaced++;
        return value.endsWith("Z")
          ? targetCreated.toISOString()
          : targetCreated.toISOString().replace("Z", "+00:00");
      }
    }
    return value;
  };
  const rewritten = swap(decoded);
  return replaced > 0 ? Buffer.from(JSON.stringify(rewritten)).toString("base64url") : undefined;
}

async function repeat(
  name: string,
  group: ListCase["group"],
  budget: { calls: number; seconds: number },
  once: () => Promise<Pick<Answer<unknown>, "ms" | "bytes" | "ok">>,
): Promise<ListCase> {
  const times: number[] = [];
  const bytes: number[] = [];
  let failed = 0;
  const deadline = Date.now() + budget.seconds * 1000;
  while (times.length < budget.calls && Date.now() < deadline) {
    const answer = await once();
    times.push(answer.ms);
    bytes.push(answer.bytes);
    if (!answer.ok) failed++;
  }
  return {
    name,
    group,
    calls: times.length,
    failed,
    p50Ms: percentile(times, 50),
    p95Ms: percentile(times, 95),
    meanBytes: mean(bytes),
  };
}

function pickDeep(samples: readonly JobSample[], test: (s: JobSample) => boolean = () => true) {
  // The oldest 80 % of the table: "load more" pressed many times.
  const deep = samples.slice(0, Math.floor(samples.length * 0.8)).filter(test);
  return deep[Math.floor(Math.random() * deep.length)];
}

/**
 * Each list the web app pages through, first page and deep "load more" pages with each
 * filter, and the dashboard's first load: up to `calls` calls each (or `seconds`).
 */
export async function measureLists(options: {
  url: string;
  token: string;
  samples: JobSample[];
  hosts: Array<{ id: string; name: string }>;
  calls: number;
  seconds: number;
  log: (line: string) => void;
}): Promise<ListCase[]> {
  const { url, token, samples } = options;
  const budget = { calls: options.calls, seconds: options.seconds };
  const cases: ListCase[] = [];
  const run = async (
    name: string,
    group: ListCase["group"],
    once: () => Promise<Pick<Answer<unknown>, "ms" | "bytes" | "ok">>,
  ) => {
    const result = await repeat(name, group, budget, once);
    options.log(
      `  ${name}: p50 ${result.p50Ms.toFixed(1)} ms, p95 ${result.p95Ms.toFixed(1)} ms, ${Math.round(result.meanBytes)} bytes, ${result.calls} calls${result.failed ? `, ${result.failed} failed` : ""}`,
    );
    cases.push(result);
  };

  // Hosts: the first page, and a page deep in the name order when the list pages.
  const hostsFirst = await call<Page | Row[]>(url, token, "hosts.list", { limit: 50 });
  await run("hosts.list first page", "hosts", () => call(url, token, "hosts.list", { limit: 50 }));
  const hostPage = hostsFirst.data && !Array.isArray(hostsFirst.data) ? hostsFirst.data : undefined;
  const lastHost = hostPage?.items.at(-1);
  if (hostPage?.nextCursor && lastHost) {
    const cursor = hostPage.nextCursor;
    await run("hosts.list load more (deep)", "hosts", () => {
      const target = options.hosts[Math.floor(options.hosts.length * (0.5 + Math.random() * 0.45))];
      const deep = target && deepCursor(cursor, lastHost, target);
      return call(url, token, "hosts.list", { limit: 50, cursor: deep ?? cursor });
    });
  }

  // Jobs: the first page with each filter, then deep pages with each filter.
  const filters: Array<[string, (s: JobSample) => Record<string, string>]> = [
    ["no filter", () => ({})],
    ["host", (s) => ({ hostId: s.hostId })],
    ["kind", (s) => ({ kind: s.kind })],
    ["state", (s) => ({ state: s.state })],
  ];
  for (const [label, filterOf] of filters) {
    await run(`jobs.list first page, ${label}`, "jobs", () => {
      const sample = pickDeep(samples);
      return call(url, token, "jobs.list", { limit: 50, ...(sample ? filterOf(sample) : {}) });
    });
  }
  const first = await call<Page>(url, token, "jobs.list", { limit: 50 });
  const lastJob = first.data?.items.at(-1);
  const cursor = first.data?.nextCursor;
  if (cursor && lastJob) {
    for (const [label, filterOf] of filters) {
      await run(`jobs.list load more (deep), ${label}`, "jobs", () => {
        // A state other than succeeded: the rarer a filter's rows, the further a page reaches.
        const sample =
          (label === "state" ? pickDeep(samples, (s) => s.state !== "succeeded") : undefined) ??
          pickDeep(samples);
        if (!sample) throw new Error("no job samples");
        const deep = deepCursor(cursor, lastJob, sample);
        if (!deep) throw new Error(`cannot place a cursor deep in the table: ${cursor}`);
        return call(url, token, "jobs.list", { limit: 50, cursor: deep, ...filterOf(sample) });
      });
    }
  }

  // The dashboard's first load: one summary, or (before there was one) every list it read.
  const summary = await call(url, token, "dashboard.summary", undefined);
  if (summary.status !== 404) {
    await run("dashboard.summary", "dashboard", () =>
      call(url, token, "dashboard.summary", undefined),
    );
  } else {
    await run("dashboard (the calls it makes today)", "dashboard", async () => {
      const started = performance.now();
      const answers = await Promise.all(
        DASHBOARD_CALLS_TODAY.map(([procedure, input]) => call(url, token, procedure, input)),
      );
      return {
        ms: performance.now() - started,
        bytes: answers.reduce((sum, answer) => sum + answer.bytes, 0),
        ok: answers.every((answer) => answer.ok),
      };
    });
  }
  return cases;
}
