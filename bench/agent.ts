/**
 * What the agent costs on an endpoint: a real backup of a generated tree through the whole
 * product (the API bundled as it ships, the real agent process, restic) against the very same
 * restic command run directly, alternated in one run; and the agent's memory while it idles,
 * connected. Writes agent_overhead_ratio, agent_backup_s, restic_backup_s and
 * agent_idle_rss_mb into bench/results.json.
 *
 *   pnpm bench:agent      (RM_BENCH_TREE_MB=1024, RM_BENCH_ROUNDS=3)
 *
 * Through the agent, a backup is timed from the job's creation (the API's clock) to its end
 * (the agent's report, the same machine's clock): the dispatch, the agent starting restic,
 * reading its progress and reporting it, and the result. Directly, from spawning restic to its
 * exit. Each run goes to a new repository, so each one writes the whole tree. restic's
 * arguments and environment are taken from the agent's own first run (a shim in front of
 * restic records them), so both run the same command.
 */
import { execFileSync, spawn } from "node:child_process";
import { randomBytes, randomFillSync } from "node:crypto";
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { call, migrate, startApi } from "./fleet/api.js";
import { bundle, bundleDir, ROOT } from "./fleet/bundle.js";
import { cpuMs, freePort, removeAtExit, rssMb, sleep, track, until } from "./fleet/proc.js";
import { writeResults } from "./fleet/report.js";
import { seedDatabase } from "./fleet/seed.js";

const TREE_MB = Number(process.env.RM_BENCH_TREE_MB ?? 1024);
const ROUNDS = Number(process.env.RM_BENCH_ROUNDS ?? 3);
/**
 * Node options for the agent's process, e.g. `--cpu-prof --cpu-prof-dir=/tmp/agent-prof`;
 * RM_BENCH_API_CPU_PROF_DIR profiles the server into that directory.
 */
const AGENT_NODE_ARGS = (process.env.RM_BENCH_AGENT_NODE_ARGS ?? "").split(" ").filter(Boolean);
const IDLE_MS = 10_000;
const PASSWORD = "bench-repository-password";

const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

/** Files of 1–8 MiB of random (incompressible) bytes in 16 folders, TREE_MB in all. */
function generateTree(dir: string): void {
  const chunk = Buffer.alloc(1024 * 1024);
  let left = TREE_MB;
  for (let i = 0; left > 0; i++) {
    const folder = path.join(dir, `d${i % 16}`);
    mkdirSync(folder, { recursive: true });
    const mb = Math.min(left, 1 + (i % 8));
    const parts: Buffer[] = [];
    for (let m = 0; m < mb; m++) parts.push(Buffer.from(randomFillSync(chunk)));
    writeFileSync(path.join(folder, `f${i}.bin`), Buffer.concat(parts));
    left -= mb;
  }
}

/** A shell script in front of restic that keeps each call's arguments and environment. */
function resticShim(work: string, restic: string): string {
  const calls = path.join(work, "restic-calls");
  mkdirSync(calls);
  const shim = path.join(work, "restic-shim.sh");
  writeFileSync(
    shim,
    `#!/bin/sh
n="${calls}/$$"
for a in "$@"; do printf '%s\\0' "$a"; done > "$n.args"
env -0 > "$n.env"
exec ${JSON.stringify(restic)} "$@"
`,
  );
  chmodSync(shim, 0o700);
  return calls;
}

/** The recorded restic call whose arguments include `backup`. */
function recordedBackup(calls: string): { args: string[]; env: Record<string, string> } {
  for (const file of readdirSync(calls).filter((name) => name.endsWith(".args"))) {
    const args = readFileSync(path.join(calls, file), "utf8").split("\0").slice(0, -1);
    if (!args.includes("backup")) continue;
    const env = Object.fromEntries(
      readFileSync(path.join(calls, file.replace(/\.args$/, ".env")), "utf8")
        .split("\0")
        .filter(Boolean)
        .map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)]),
    );
    return { args, env };
  }
  throw new Error("the agent's restic backup call was not recorded");
}

function run(bin: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(bin, args, { env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (data: Buffer) => {
      stderr += data.toString();
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code === 0) resolve((performance.now() - started) / 1000);
      else reject(new Error(`${bin} ${args.join(" ")} exited ${code}: ${stderr.slice(-500)}`));
    });
  });
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] ?? 0;

async function main() {
  const work = removeAtExit(
    mkdtempSync(path.join(process.env.BENCH_DIR ?? tmpdir(), "rm-bench-agent-")),
  );
  const restic = execFileSync("sh", ["-c", "command -v restic"]).toString().trim();
  log(`generating ${TREE_MB} MiB in ${work}/tree`);
  const tree = path.join(work, "tree");
  generateTree(tree);

  log("bundling and starting the API, building the agent");
  const bundles = removeAtExit(bundleDir());
  const mainJs = path.join(bundles, "main.js");
  bundle("src/main.ts", mainJs);
  execFileSync(process.execPath, ["build.mjs"], { cwd: path.join(ROOT, "apps/agent") });
  const agentJs = path.join(ROOT, "apps/agent/dist/agent.mjs");
  const dataDir = path.join(work, "api");
  mkdirSync(dataDir);
  migrate(path.join(dataDir, "restic-manager.db"));
  const masterKey = randomBytes(32).toString("base64");
  const { token } = seedDatabase({
    databasePath: path.join(dataDir, "restic-manager.db"),
    masterKey,
    hostCount: 0,
    jobCount: 0,
    repositoryCount: 0,
  });
  const api = await startApi({
    mainJs,
    port: await freePort(),
    dataDir,
    masterKey,
    logFile: path.join(work, "api.log"),
    ...(process.env.RM_BENCH_API_CPU_PROF_DIR
      ? { cpuProfileDir: process.env.RM_BENCH_API_CPU_PROF_DIR }
      : {}),
  });
  const ask = async <T>(
    procedure: string,
    input: unknown,
    kind: "query" | "mutation" = "query",
  ) => {
    const answer = await call<T>(api.url, token, procedure, input, kind);
    if (!answer.data) throw new Error(`${procedure}: ${answer.error ?? answer.status}`);
    return answer.data;
  };

  try {
    const enrollment = await ask<{ token: string }>("hosts.createEnrollment", {}, "mutation");
    const agentDir = path.join(work, "agent");
    const configFile = path.join(agentDir, "agent.json");
    execFileSync(process.execPath, [
      agentJs,
      "enroll",
      "--server",
      api.url,
      "--token",
      enrollment.token,
      "--config",
      configFile,
    ]);
    const calls = resticShim(work, restic);
    const config = JSON.parse(readFileSync(configFile, "utf8")) as { hostId: string };
    writeFileSync(
      configFile,
      JSON.stringify({ ...config, resticPath: path.join(work, "restic-shim.sh") }),
    );
    const agent = track(
      spawn(process.execPath, [...AGENT_NODE_ARGS, agentJs, "run", "--config", configFile], {
        stdio: ["ignore", "ignore", "inherit"],
      }),
    );
    const hostId = config.hostId;
    await until(
      async () => (await ask<{ online: boolean }>("hosts.get", { id: hostId })).online,
      "the agent to connect",
      60_000,
    );
    await sleep(IDLE_MS);
    const agentIdleRssMb = rssMb(agent.pid ?? 0);
    log(`agent connected and idle: ${agentIdleRssMb.toFixed(1)} MB resident`);

    const throughAgent: number[] = [];
    const direct: number[] = [];
    // What the agent and the server themselves use while a backup runs: on the endpoint, the
    // agent's share competes with restic for the same cores.
    const agentCpuS: number[] = [];
    const apiCpuS: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      // Through the agent: a new repository (set up by the agent), then one backup.
      const { repository } = await ask<{ repository: { id: string } }>(
        "repositories.create",
        {
          name: `agent-${round}`,
          url: path.join(work, "repos", `agent-${round}`),
          password: PASSWORD,
          setup: { mode: "init", hostId },
        },
        "mutation",
      );
      // Set up, and its first health read (which the set-up asks for) done: the agent runs one
      // restic per repository at a time, and the backup must not wait for it.
      await until(
        async () => {
          const row = await ask<{ status: string; healthAt: Date | null }>("repositories.get", {
            id: repository.id,
          });
          return row.status === "ready" && row.healthAt !== null;
        },
        "the repository to be set up and its health read",
        120_000,
      );
      // CPU is read every 50 ms from /proc (no request to the server), and the readings at the
      // job's creation and end as the server records them are used: the bench's own look at
      // the job, once a second, and the health read that follows the backup stay out of them.
      const agentCpu = new CpuSampler(agent.pid ?? 0);
      const apiCpu = new CpuSampler(api.pid);
      const job = await ask<{ id: string }>(
        "jobs.create",
        { hostId, repositoryId: repository.id, params: { kind: "backup", paths: [tree] } },
        "mutation",
      );
      type Ended = {
        state: string;
        createdAt: Date;
        finishedAt: Date | null;
        error: string | null;
      };
      let done: Ended | undefined;
      await until(
        async () => {
          const row = await ask<Ended>("jobs.get", { id: job.id });
          if (row.finishedAt) done = row;
          return done !== undefined;
        },
        "the backup through the agent to end",
        1_800_000,
        1000,
      );
      agentCpu.stop();
      apiCpu.stop();
      if (!done?.finishedAt || done.state !== "succeeded") {
        throw new Error(`the backup ${done?.state}: ${done?.error}`);
      }
      throughAgent.push((done.finishedAt.getTime() - done.createdAt.getTime()) / 1000);
      agentCpuS.push(agentCpu.between(done.createdAt, done.finishedAt) / 1000);
      apiCpuS.push(apiCpu.between(done.createdAt, done.finishedAt) / 1000);
      // The health read the backup asks for runs next: not beside the direct run.
      const backupEnd = done.finishedAt.getTime();
      await until(
        async () => {
          const row = await ask<{ healthAt: Date | null }>("repositories.get", {
            id: repository.id,
          });
          return (row.healthAt?.getTime() ?? 0) >= backupEnd;
        },
        "the health read after the backup",
        300_000,
      );

      // Directly: the same command into a new repository.
      const recorded = recordedBackup(calls);
      const target = path.join(work, "repos", `direct-${round}`);
      const env = { ...recorded.env, RESTIC_REPOSITORY: target, RESTIC_PASSWORD: PASSWORD };
      execFileSync(restic, ["init"], { env, stdio: "ignore" });
      direct.push(await run(restic, recorded.args, env));
      log(
        `round ${round}: through the agent ${throughAgent.at(-1)?.toFixed(2)} s (agent CPU ${agentCpuS.at(-1)?.toFixed(2)} s, server CPU ${apiCpuS.at(-1)?.toFixed(2)} s), restic directly ${direct.at(-1)?.toFixed(2)} s`,
      );
    }
    const figures = {
      agent_overhead_ratio: Number((median(throughAgent) / median(direct)).toFixed(3)),
      agent_backup_s: Number(median(throughAgent).toFixed(2)),
      restic_backup_s: Number(median(direct).toFixed(2)),
      agent_idle_rss_mb: Number(agentIdleRssMb.toFixed(1)),
      agent_cpu_s_per_backup: Number(median(agentCpuS).toFixed(3)),
      api_cpu_s_per_backup: Number(median(apiCpuS).toFixed(3)),
      agent_bench_tree_mb: TREE_MB,
    };
    writeResults(figures);
    console.table(figures);
    agent.kill("SIGTERM");
  } finally {
    await api.stop();
  }
}

/** A process's CPU time, read every 50 ms, to tell how much it used between two moments. */
class CpuSampler {
  private readonly samples: Array<{ at: number; cpuMs: number }> = [];
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pid: number) {
    this.take();
    this.timer = setInterval(() => this.take(), 50);
  }

  stop() {
    clearInterval(this.timer);
    this.take();
  }

  /** CPU milliseconds used from the reading nearest `from` to the one nearest `to`. */
  between(from: Date, to: Date): number {
    return this.nearest(to.getTime()) - this.nearest(from.getTime());
  }

  private take() {
    this.samples.push({ at: Date.now(), cpuMs: cpuMs(this.pid) });
  }

  private nearest(at: number): number {
    let best = this.samples[0];
    for (const sample of this.samples) {
      if (best === undefined || Math.abs(sample.at - at) < Math.abs(best.at - at)) best = sample;
    }
    return best?.cpuMs ?? 0;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
