import {
  type TAgentCommand,
  ZAgentReconcile,
  ZEnrollRequest,
  ZJobFinished,
  ZJobLogBatch,
  ZJobProgress,
  ZJobStarted,
  ZQueryReply,
  ZScheduleReport,
} from "@restic-manager/contracts";
import { AsyncQueue } from "../asyncQueue.js";
import { agentProcedure, publicProcedure, router } from "../trpc/trpc.js";
import { enrollHost } from "./enrollment.js";
import type { AgentConnection } from "./registry.js";

/** The agent's side of the link. Every message names a job; only the job's own host may. */
export const agentRouter = router({
  enroll: publicProcedure
    .input(ZEnrollRequest)
    .mutation(({ ctx, input }) => enrollHost(ctx.deps, input, ctx.meta)),

  /** Commands for this agent: jobs to run and jobs to cancel, for as long as it is connected. */
  commands: agentProcedure.subscription(async function* ({ ctx, signal }) {
    const { agents, jobs, schedules, logger, presence } = ctx.deps;
    const outbox = new AsyncQueue<TAgentCommand>();
    const connection: AgentConnection = {
      hostId: ctx.agent.hostId,
      hostName: ctx.agent.hostName,
      connectedAt: new Date(),
      protocolVersion: ctx.agent.hello.protocolVersion,
      send: (command) => outbox.push(command),
      close: (code, reason) => ctx.agent.close(code, reason),
    };
    agents.register(connection);
    logger.info({ event: "agent.connected", hostId: ctx.agent.hostId, host: ctx.agent.hostName });
    try {
      // Its schedules first: the agent fires them from its own clock from now on.
      await schedules.pushTo(ctx.agent.hostId);
      jobs.dispatchQueued(ctx.agent.hostId).catch((error: unknown) => {
        logger.error({ event: "agent.dispatch_failed", hostId: ctx.agent.hostId, err: error });
      });
      yield* outbox.drain(signal);
    } finally {
      outbox.close();
      agents.unregister(connection);
      logger.info({
        event: "agent.disconnected",
        hostId: ctx.agent.hostId,
        host: ctx.agent.hostName,
      });
      presence.markSeen(ctx.agent.hostId);
    }
  }),

  reconcile: agentProcedure
    .input(ZAgentReconcile)
    .mutation(({ ctx, input }) => ctx.deps.jobs.reconcile(ctx.agent.hostId, input)),

  /** Runs the agent started on its own schedule, and slots it skipped or missed (protocol 2). */
  scheduleReport: agentProcedure
    .input(ZScheduleReport)
    .mutation(({ ctx, input }) => ctx.deps.schedules.recordReport(ctx.agent.hostId, input)),

  /** The answer to a query the server sent (protocol 3). */
  queryReply: agentProcedure
    .input(ZQueryReply)
    .mutation(({ ctx, input }) => ctx.deps.queries.reply(ctx.agent.hostId, input)),

  jobStarted: agentProcedure
    .input(ZJobStarted)
    .mutation(({ ctx, input }) => ctx.deps.jobs.started(ctx.agent.hostId, input)),

  jobProgress: agentProcedure
    .input(ZJobProgress)
    .mutation(({ ctx, input }) => ctx.deps.jobs.progress(ctx.agent.hostId, input)),

  jobLog: agentProcedure
    .input(ZJobLogBatch)
    .mutation(({ ctx, input }) => ctx.deps.jobs.log(ctx.agent.hostId, input)),

  jobFinished: agentProcedure
    .input(ZJobFinished)
    .mutation(({ ctx, input }) => ctx.deps.jobs.finished(ctx.agent.hostId, input)),
});
