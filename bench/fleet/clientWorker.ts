/**
 * A child process holding part of the simulated fleet. As agents: the real AgentLink and
 * JobRunner from apps/agent, wired as apps/agent/src/main.ts wires them, with restic replaced
 * by fakeRestic.ts. As bare clients: a tRPC WebSocket client with one subscription each, for
 * the baseline server. Reports connects, job arrivals and progress counts to the harness.
 */
import net from "node:net";
import path from "node:path";
import { AGENT_PROTOCOL_VERSION, type TAgentHello } from "@restic-manager/contracts";
import { createTRPCClient, createWSClient, wsLink } from "@trpc/client";
import superjson from "superjson";
import { WebSocket } from "ws";
import { AgentLink, reconnectDelayMs } from "../../apps/agent/src/link.js";
import type { Log } from "../../apps/agent/src/log.js";
import { type Executor, JobRunner } from "../../apps/agent/src/runner.js";
import { Spool } from "../../apps/agent/src/spool.js";
import type { BareRouter } from "./bareServer.js";
import { backupResult, emitProgress, healthResult, type progressSample } from "./fakeRestic.js";
import type { FromWorker, ToWorker } from "./protocol.js";

function send(message: FromWorker): void {
  process.send?.(message);
}

// Every agent of a real fleet connects from its own address, and the server limits new
// sockets per address. Sockets here take turns on several loopback addresses (all of
// 127.0.0.0/8 is this machine) so that limit sees a fleet, not one host opening thousands.
let sourceAddresses: string[] = [];
let turn = 0;
const connect = net.connect;
(net as { connect: unknown }).connect = (...args: unknown[]) => {
  const [options] = args;
  if (options && typeof options === "object" && sourceAddresses.length > 0) {
    (options as net.TcpNetConnectOpts).localAddress ??=
      sourceAddresses[turn++ % sourceAddresses.length];
  }
  return (connect as (...a: unknown[]) => net.Socket)(...args);
};

// ── connects ─────────────────────────────────────────────────────────────────────────────────
let clients = 0;
const up = new Set<number>();
const sinceReset = new Set<number>();
let pendingConnectTimes: number[] = [];
const warnings: Record<string, number> = {};

function markUp(index: number): void {
  up.add(index);
  if (!sinceReset.has(index)) {
    sinceReset.add(index);
    pendingConnectTimes.push(Date.now());
  }
}

function markDown(index: number): void {
  up.delete(index);
}

function warn(event: string): void {
  warnings[event] = (warnings[event] ?? 0) + 1;
}

setInterval(() => {
  send({
    type: "status",
    connected: up.size,
    connectedSinceReset: sinceReset.size,
    connectTimes: pendingConnectTimes,
    warnings,
  });
  pendingConnectTimes = [];
}, 250);

// ── jobs ─────────────────────────────────────────────────────────────────────────────────────
let plan: Extract<ToWorker, { type: "plan" }> = { type: "plan", mode: "short", ratePerJob: 1 };
let go: Promise<number> = new Promise(() => undefined);
let startGo: (untilEpochMs: number) => void = () => undefined;
function resetGo() {
  go = new Promise((resolve) => {
    startGo = resolve;
  });
}
resetGo();

let received: Array<[string, number]> = [];
let sentCounts: Array<[string, number]> = [];
setInterval(() => {
  if (received.length > 0) send({ type: "received", jobs: received });
  if (sentCounts.length > 0) send({ type: "sent", counts: sentCounts });
  received = [];
  sentCounts = [];
}, 200);

/** restic replaced: a short backup, or one that reports progress until the harness says stop. */
const executor: Executor = async (job, hooks) => {
  if (job.params.kind === "health") {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    return healthResult();
  }
  if (job.params.kind !== "backup") {
    return { outcome: "failed", exitCode: 1, error: "the bench agent runs backups only" };
  }
  if (plan.mode === "short") {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    return backupResult(1);
  }
  const started = Date.now();
  const untilEpochMs = await go;
  const sent = await emitProgress(hooks, plan.ratePerJob, untilEpochMs);
  sentCounts.push([job.id, sent]);
  return backupResult((Date.now() - started) / 1000);
};

const silentLog = (index: number): Log => ({
  info(event) {
    // The link reconciles after every (re)connect: that round trip proves the server took it.
    if (event === "reconciled") markUp(index);
  },
  warn(event) {
    warn(event);
  },
  error(event) {
    warn(event);
  },
  failure: null,
});

function startAgent(
  index: number,
  host: { id: string; credential: string },
  message: Extract<ToWorker, { type: "agents" }>,
): AgentLink {
  const config = {
    serverUrl: message.serverUrl,
    hostId: host.id,
    hostName: host.id,
    credential: host.credential,
    stateDir: path.join(message.stateDir, host.id),
  };
  const spool = new Spool(config.stateDir);
  const hello = (): TAgentHello => ({
    protocolVersion: AGENT_PROTOCOL_VERSION,
    agentVersion: "bench",
    hostname: `bench-${index}`,
    os: "linux",
    arch: "x64",
    restic: { version: "0.18.0", path: "restic", problem: null },
    timeZone: "UTC",
  });
  let link: AgentLink | undefined;
  const runner = new JobRunner(
    executor,
    {
      started: (job, at) => link?.started(job, at),
      progress: (id, sample) => link?.progress(id, sample),
      log: (id, line) => link?.log(id, line),
      finished: (result) => link?.finished(result),
    },
    (jobId) => spool.hasResult(jobId),
  );
  link = new AgentLink({
    config,
    hello,
    spool,
    log: silentLog(index),
    runningJobIds: () => [...runner.runningJobs(), ...runner.queuedJobs()].map((j) => j.jobId),
    onCommand: (command) => {
      if (command.type !== "job") return;
      received.push([command.job.id, Date.now()]);
      runner.submit(command.job);
    },
    onStateChange: (state) => {
      if (state !== "connected") markDown(index);
    },
  });
  link.start();
  return link;
}

type BareClient = ReturnType<typeof createTRPCClient<BareRouter>>;

function startBareClient(index: number, id: string, socketUrl: string): BareClient {
  const trpc: BareClient = createTRPCClient<BareRouter>({
    links: [
      wsLink({
        client: createWSClient({
          url: socketUrl,
          WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
          connectionParams: () => ({ credential: id, hello: "{}" }),
          retryDelayMs: (attempt) => reconnectDelayMs(attempt),
          keepAlive: { enabled: true, intervalMs: 15_000, pongTimeoutMs: 10_000 },
          onOpen: () => {
            trpc.hello.mutate().then(
              () => markUp(index),
              () => warn("hello.failed"),
            );
          },
          onClose: () => markDown(index),
        }),
        transformer: superjson,
      }),
    ],
  });
  trpc.commands.subscribe(undefined, { onData: () => undefined });
  return trpc;
}

/** Starts `count` clients at `perSecond`, so the first connects are a ramp, not a storm. */
async function ramp(count: number, perSecond: number, start: (index: number) => void) {
  const batch = Math.max(1, Math.round(perSecond / 20));
  for (let i = 0; i < count; i += batch) {
    for (let j = i; j < Math.min(count, i + batch); j++) start(j);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const bareClients = new Map<string, BareClient>();
const links: AgentLink[] = [];

process.on("message", (message: ToWorker) => {
  switch (message.type) {
    case "agents":
      sourceAddresses = message.addresses;
      clients = message.hosts.length;
      void ramp(clients, message.rampPerSecond, (index) => {
        const host = message.hosts[index];
        if (host) links.push(startAgent(index, host, message));
      });
      break;
    case "bare":
      sourceAddresses = message.addresses;
      clients = message.ids.length;
      void ramp(clients, message.rampPerSecond, (index) => {
        const id = message.ids[index];
        if (id) bareClients.set(id, startBareClient(index, id, message.socketUrl));
      });
      break;
    case "resetConnects":
      sinceReset.clear();
      pendingConnectTimes = [];
      break;
    case "plan":
      plan = message;
      resetGo();
      break;
    case "go":
      startGo(message.untilEpochMs);
      break;
    case "bareProgress":
      for (const id of message.ids) {
        const client = bareClients.get(id);
        if (client) void emitBareProgress(id, client, message.ratePerJob, message.untilEpochMs);
      }
      break;
    case "stop":
      void Promise.allSettled(links.map((link) => link.stop())).then(() => {
        send({ type: "stopped" });
        process.exit(0);
      });
      break;
    default: {
      const exhaustive: never = message;
      throw new Error(`unknown message ${JSON.stringify(exhaustive)}`);
    }
  }
});

async function emitBareProgress(
  jobId: string,
  client: BareClient,
  ratePerJob: number,
  untilEpochMs: number,
) {
  const hooks = {
    signal: new AbortController().signal,
    onProgress: (sample: ReturnType<typeof progressSample>) => {
      client.progress.mutate({ jobId, progress: sample }).catch(() => warn("progress.failed"));
    },
    onLog: () => undefined,
  };
  const sent = await emitProgress(hooks, ratePerJob, untilEpochMs);
  sentCounts.push([jobId, sent]);
}

// The harness going away takes the fleet with it.
process.on("disconnect", () => process.exit(0));
