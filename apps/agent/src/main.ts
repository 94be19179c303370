import type { ChildProcess } from "node:child_process";
import { arch, hostname as osHostname } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import type { AppRouter } from "@restic-manager/api/router";
import type { TAgentCommand, TAgentHello, TResticStatus } from "@restic-manager/contracts";
import { createTRPCClient, httpLink, TRPCClientError } from "@trpc/client";
import superjson from "superjson";
import { AgentConfigError, readAgentConfig, serverUrlsOf, writeAgentConfig } from "./config.js";
import { createExecutor, detectRestic } from "./execute.js";
import { AgentLink, type ConnectionState } from "./link.js";
import { createLog, streamSink } from "./log.js";
import { agentOs, agentProtocol, agentVersion, currentPlatform, defaultPaths } from "./platform.js";
import { createQueryHandler } from "./reader/queries.js";
import { JobRunner } from "./runner.js";
import { Scheduler } from "./schedules/scheduler.js";
import { ScheduleStateFile, ScheduleStore } from "./schedules/store.js";
import { Spool } from "./spool.js";
import { type AgentStatus, formatStatus, readStatus, writeStatus } from "./status.js";
import { becomeWaiter, TRIAL_ENV, type TrialMessage } from "./trial.js";
import { createUpdateExecutor } from "./update.js";
import { createUploadHandler } from "./upload.js";

const USAGE = `usage: restic-manager-agent <command> [--config FILE] [--state-dir DIR]

  enroll --server URL --token TOKEN   trade a one-time enrollment token for this host's
                                      credential (TOKEN may also come from RM_ENROLL_TOKEN)
  run                                 connect to the server and run jobs (the service)
  status                              connection state and running jobs of the running agent
  version                             print the agent version`;

class UsageError extends Error {}

function hostnameOf(): string {
  return osHostname().split(".")[0] || osHostname();
}

async function enroll(options: {
  configFile: string;
  stateDir: string;
  server: string | undefined;
  token: string | undefined;
}) {
  const { configFile, stateDir, server, token } = options;
  if (!server || !token) throw new UsageError("enroll needs --server URL and --token TOKEN");
  const serverUrl = server.replace(/\/+$/, "");
  const client = createTRPCClient<AppRouter>({
    links: [httpLink({ url: `${serverUrl}/trpc`, transformer: superjson })],
  });
  try {
    const enrolled = await client.agent.enroll.mutate({
      token,
      hostname: hostnameOf(),
      os: agentOs(),
      arch: arch(),
      agentVersion,
    });
    writeAgentConfig(configFile, {
      serverUrl,
      hostId: enrolled.hostId,
      hostName: enrolled.hostName,
      credential: enrolled.credential,
      stateDir,
    });
    console.log(`Enrolled as "${enrolled.hostName}". Config written to ${configFile}.`);
  } catch (error) {
    if (error instanceof TRPCClientError) throw new UsageError(error.message);
    throw new UsageError(`cannot reach ${serverUrl}: ${(error as Error).message}`);
  }
}

/** How long a new agent has to connect during an update before the old one comes back. */
function updateTrialMs(): number {
  const seconds = Number(process.env.RM_AGENT_UPDATE_TRIAL_SECONDS);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 60_000;
}

async function run(configFile: string) {
  const config = readAgentConfig(configFile);
  // Both standard streams are listened to from here on: a pipe whose reader left (EPIPE) must
  // not end the agent mid-backup. A failed stderr is reported once on stdout and in the status.
  const log = createLog({ sink: streamSink(process.stderr), fallback: streamSink(process.stdout) });
  const spool = new Spool(config.stateDir);
  // Started by an older agent to try this version: the update job is ours to finish once the
  // server accepts us (the old agent noted it running; it is not an interrupted job).
  const startedByUpdate = process.env[TRIAL_ENV.job] || null;
  let trialJobId = startedByUpdate;
  const updatedFrom = process.env[TRIAL_ENV.from] ?? "?";
  const tellStarter = (message: TrialMessage) => {
    // The old agent may be gone: nobody is waiting for the answer then.
    if (process.connected) process.send?.(message, undefined, undefined, () => undefined);
  };
  const recovered = spool.recoverInterrupted(new Date(), trialJobId ?? undefined);
  if (recovered.length > 0) log.warn("jobs.interrupted", { jobIds: recovered.map((r) => r.jobId) });

  let restic: TResticStatus = await detectRestic(config);
  log.info("restic.detected", restic);
  const hello = (): TAgentHello => ({
    protocolVersion: agentProtocol,
    agentVersion,
    hostname: hostnameOf(),
    os: agentOs(),
    arch: arch(),
    restic,
    timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
  });

  let connection: { state: ConnectionState; since: Date; error: string | null } = {
    state: "connecting",
    since: new Date(),
    error: null,
  };
  let statusProblem: string | null = null;
  const saveStatus = () => {
    const current = status();
    try {
      writeStatus(config.stateDir, current);
      statusProblem = null;
    } catch (error) {
      // The status file is for `agent status` only: a read-only or full state directory must
      // not stop the agent. Said once, not every heartbeat.
      const message = (error as Error).message;
      if (statusProblem !== message) log.error("status.not_saved", { message });
      statusProblem = message;
    }
  };
  const servers = serverUrlsOf(config);
  /** The server the link is on (downloads and updates go to it); the first before any link. */
  const currentServer = () => link?.serverUrl ?? servers[0] ?? "";
  const status = (): AgentStatus => ({
    pid: process.pid,
    serverUrl: currentServer(),
    serverUrls: servers,
    hostName: config.hostName,
    connection: connection.state,
    since: connection.since,
    lastError: connection.error,
    restic: { version: restic.version, problem: restic.problem },
    running: runner.runningJobs(),
    queued: runner.queuedJobs(),
    unreportedResults: spool.pendingResults().length,
    logError: log.failure,
    schedules: scheduler.summary(),
    schedulesProblem: scheduler.problem,
    updatedAt: new Date(),
  });

  // The link and the runner need each other: the runner reports through the link.
  let link: AgentLink | undefined;
  const runRestic = createExecutor(config, log);
  const runUpdate = createUpdateExecutor({
    serverUrl: currentServer,
    log,
    version: agentVersion,
    bundlePath: process.argv[1] ?? "",
    args: process.argv.slice(2),
    trialMs: updateTrialMs(),
    otherJobs: (jobId) =>
      [...runner.runningJobs(), ...runner.queuedJobs()].filter((job) => job.jobId !== jobId).length,
    suspend: async () => {
      scheduler.stop();
      await link?.stop();
      link = undefined;
    },
    resume: () => {
      link = connect();
      scheduler.start();
    },
    becomeWaiter: (child) => waitFor(child),
  });
  const runner = new JobRunner(
    (job, hooks) =>
      job.params.kind === "agent-update" ? runUpdate(job, hooks) : runRestic(job, hooks),
    {
      started: (job, at) => {
        link?.started(job, at);
        saveStatus();
      },
      progress: (id, sample) => link?.progress(id, sample),
      log: (id, line) => link?.log(id, line),
      finished: (result) => {
        link?.finished(result);
        scheduler.jobEnded();
        saveStatus();
      },
    },
    (jobId) => spool.hasResult(jobId),
  );
  const answerQuery = createQueryHandler(config, log);
  const upload = createUploadHandler({ config, log, serverUrl: currentServer });
  // The host's own scheduler: it fires from this clock whether or not the server is there.
  const scheduler: Scheduler = new Scheduler({
    store: new ScheduleStore(config.stateDir),
    state: new ScheduleStateFile(config.stateDir),
    reporter: {
      runStarted: (run) => link?.runStarted(run),
      missed: (misses) => link?.missed(misses),
    },
    submit: (job) => {
      runner.submit(job);
      saveStatus();
    },
    isActive: (scheduleId) => runner.isScheduleActive(scheduleId),
    log,
  });
  /** The link to the server; made again when an update's trial fails and this agent resumes. */
  const connect = (): AgentLink => {
    const made = new AgentLink({
      config,
      hello,
      spool,
      log,
      runningJobIds: () => [
        ...runner.runningJobs().map((j) => j.jobId),
        ...runner.queuedJobs().map((j) => j.jobId),
        ...(trialJobId ? [trialJobId] : []),
      ],
      onAccepted: () => finishTrial(made),
      onCommand,
      onStateChange: (state, error, server) => {
        if (state !== connection.state) log.info("connection", { state, error, server });
        connection = { state, since: new Date(), error };
        if (state === "refused" && trialJobId) {
          tellStarter({ type: "agent-update.refused", reason: error ?? "refused" });
        }
        saveStatus();
      },
    });
    made.start();
    return made;
  };
  /** On trial: the server took us, so the update worked; the old agent stops on this message. */
  const finishTrial = (accepted: AgentLink) => {
    if (!trialJobId) return;
    const jobId = trialJobId;
    trialJobId = null;
    tellStarter({ type: "agent-update.connected" });
    const line = `updated from ${updatedFrom} to ${agentVersion}`;
    log.info("update.finished", { jobId, from: updatedFrom, to: agentVersion });
    accepted.log(jobId, { at: new Date(), stream: "agent", line });
    accepted.finished({
      jobId,
      outcome: "succeeded",
      exitCode: 0,
      error: null,
      finishedAt: new Date(),
    });
    scheduler.start();
  };
  const onCommand = (command: TAgentCommand) => {
    switch (command.type) {
      case "job":
        // The update that started this agent, re-sent before the server heard it start: this
        // agent finishes it (finishTrial), it does not run it again.
        if (command.job.id === startedByUpdate) break;
        if (runner.submit(command.job)) {
          scheduler.noteServerRun(command.job);
          log.info("job.accepted", { jobId: command.job.id, kind: command.job.params.kind });
        }
        break;
      case "cancel":
        log.info("job.cancel", { jobId: command.jobId });
        runner.cancel(command.jobId);
        break;
      case "schedules":
        scheduler.replace(command.schedules);
        break;
      case "query":
        void answerQuery(command).then((reply) => link?.queryReply(reply));
        break;
      case "upload":
        log.info("upload.accepted", { id: command.id, archive: command.archive ?? null });
        void upload(command);
        break;
      default: {
        const exhaustive: never = command;
        log.warn("command.unknown", { command: exhaustive });
      }
    }
    saveStatus();
  };
  link = connect();
  // Interrupted jobs the spool could not keep (read-only or full state directory) go from memory.
  for (const result of recovered) if (!spool.hasResult(result.jobId)) link.finished(result);
  // On trial, the schedules start once the server has accepted this agent (finishTrial).
  if (!trialJobId) scheduler.start();
  saveStatus();
  const heartbeat = setInterval(saveStatus, 10_000);
  // restic may be installed or upgraded while the agent runs: look again now and then.
  const redetect = setInterval(async () => {
    restic = await detectRestic(config);
  }, 10 * 60_000);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info("agent.stopping", { signal });
    clearInterval(heartbeat);
    clearInterval(redetect);
    scheduler.stop();
    runner.abortAll();
    await Promise.race([runner.idle(), new Promise((r) => setTimeout(r, 15_000))]);
    await link?.stop();
    connection = { state: "disconnected", since: new Date(), error: null };
    saveStatus();
    process.exit(0);
  };
  const onSigterm = () => void stop("SIGTERM");
  const onSigint = () => void stop("SIGINT");
  process.once("SIGTERM", onSigterm);
  process.once("SIGINT", onSigint);

  /**
   * The new agent this process started was accepted: this process only waits for it from now
   * on (see trial.ts). Its link, schedules and timers are stopped already or here, and its
   * status file is the new agent's now.
   */
  const waitFor = (child: ChildProcess) => {
    stopping = true;
    clearInterval(heartbeat);
    clearInterval(redetect);
    process.off("SIGTERM", onSigterm);
    process.off("SIGINT", onSigint);
    becomeWaiter(child);
  };
}

async function main(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      config: { type: "string" },
      "state-dir": { type: "string" },
      server: { type: "string" },
      token: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: true,
  });
  const [command] = positionals;
  const defaults = defaultPaths(currentPlatform());
  const configFile = values.config ?? defaults.configFile;
  // An explicit config file keeps its state beside it, so several agents can share a machine.
  const stateDir =
    values["state-dir"] ??
    (values.config ? path.join(path.dirname(values.config), "state") : defaults.stateDir);
  switch (command) {
    case "enroll":
      return enroll({
        configFile,
        stateDir,
        server: values.server,
        token: values.token ?? process.env.RM_ENROLL_TOKEN,
      });
    case "run":
      return run(configFile);
    case "status": {
      let dir = stateDir;
      try {
        dir = readAgentConfig(configFile).stateDir;
      } catch {
        // not enrolled: fall back to the default place
      }
      console.log(formatStatus(readStatus(dir)));
      return;
    }
    case "version":
      console.log(agentVersion);
      return;
    default:
      if (values.help || command === "help" || command === undefined) {
        console.log(USAGE);
        return;
      }
      throw new UsageError(`unknown command "${command}"\n\n${USAGE}`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError || error instanceof AgentConfigError) {
    console.error(`restic-manager-agent: ${error.message}`);
    process.exit(2);
  }
  console.error(error);
  process.exit(1);
});
