import { ZId, ZJobId, ZJobKind, ZJobParams, ZJobState } from "@restic-manager/contracts";
import { tracked } from "@trpc/server";
import { z } from "zod";
import { getJob, listJobs, summariseJobs } from "../services/jobsQuery.js";
import { operatorProcedure, router, viewerProcedure } from "../trpc/trpc.js";

export const jobsRouter = router({
  list: viewerProcedure
    .input(
      z.object({
        hostId: ZId.optional(),
        kind: ZJobKind.optional(),
        state: ZJobState.optional(),
        from: z.coerce.date().optional(),
        to: z.coerce.date().optional(),
        limit: z.number().int().min(1).max(200).default(50),
        cursor: z.string().max(64).optional(),
      }),
    )
    .query(({ ctx, input }) => listJobs(ctx.deps.db, input)),

  summary: viewerProcedure.query(({ ctx }) => summariseJobs(ctx.deps.db)),

  get: viewerProcedure
    .input(z.object({ id: ZJobId }))
    .query(({ ctx, input }) => getJob(ctx.deps.db, input.id)),

  create: operatorProcedure
    .input(
      z.object({
        hostId: ZId,
        repositoryId: ZId.optional(),
        params: ZJobParams,
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const job = await ctx.deps.jobs.create(input, ctx.actor, ctx.meta);
      return { id: job.id };
    }),

  cancel: operatorProcedure.input(z.object({ id: ZJobId })).mutation(async ({ ctx, input }) => {
    await ctx.deps.jobs.cancel(input.id, ctx.actor, ctx.meta);
    return { ok: true };
  }),

  retry: operatorProcedure.input(z.object({ id: ZJobId })).mutation(async ({ ctx, input }) => {
    const job = await ctx.deps.jobs.retry(input.id, ctx.actor, ctx.meta);
    return { id: job.id };
  }),

  /**
   * Live state, progress and log lines of one job. Resumable: a watcher that reconnects sends
   * the last event id it saw and gets what it missed; `gap` means reload the job instead.
   */
  watch: viewerProcedure
    .input(z.object({ id: ZJobId, lastEventId: z.string().max(20).nullish() }))
    .subscription(async function* ({ ctx, input, signal }) {
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
