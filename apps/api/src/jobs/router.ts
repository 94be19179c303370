import {
  ZByJobId,
  ZJobCreateInput,
  ZJobListInput,
  ZJobWatchInput,
} from "@restic-manager/contracts";
import { tracked } from "@trpc/server";
import { operatorProcedure, router, viewerProcedure } from "../trpc/trpc.js";
import { getJob, listJobs, summariseJobs } from "./queries.js";

export const jobsRouter = router({
  list: viewerProcedure
    .input(ZJobListInput)
    .query(({ ctx, input }) => listJobs(ctx.deps.db, input)),

  summary: viewerProcedure.query(({ ctx }) => summariseJobs(ctx.deps.db)),

  get: viewerProcedure.input(ZByJobId).query(({ ctx, input }) => getJob(ctx.deps.db, input.id)),

  create: operatorProcedure.input(ZJobCreateInput).mutation(async ({ ctx, input }) => {
    const job = await ctx.deps.jobs.create(input, ctx.actor, ctx.meta);
    return { id: job.id };
  }),

  cancel: operatorProcedure.input(ZByJobId).mutation(async ({ ctx, input }) => {
    await ctx.deps.jobs.cancel(input.id, ctx.actor, ctx.meta);
    return { ok: true };
  }),

  retry: operatorProcedure.input(ZByJobId).mutation(async ({ ctx, input }) => {
    const job = await ctx.deps.jobs.retry(input.id, ctx.actor, ctx.meta);
    return { id: job.id };
  }),

  /**
   * Live state, progress and log lines of one job. Resumable: a watcher that reconnects sends
   * the last event id it saw and gets what it missed; `gap` means reload the job instead.
   */
  watch: viewerProcedure.input(ZJobWatchInput).subscription(async function* ({
    ctx,
    input,
    signal,
  }) {
    const events = ctx.deps.jobEvents.watch(input.id, input.lastEventId ?? undefined, signal);
    for await (const item of events) {
      if ("gap" in item) {
        yield tracked(ctx.deps.jobEvents.lastId(input.id), { type: "gap" as const });
        continue;
      }
      yield tracked(item.id, item.event);
    }
  }),
});
