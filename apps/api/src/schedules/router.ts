import {
  ZById,
  ZId,
  ZMissListInput,
  ZScheduleCreateInput,
  ZScheduleListInput,
  ZSchedulePauseInput,
  ZSchedulePreviewInput,
  ZScheduleUpdateInput,
} from "@restic-manager/contracts";
import { z } from "zod";
import { adminProcedure, operatorProcedure, router, viewerProcedure } from "../trpc/trpc.js";
import { checkCoverage } from "./coverage.js";

export const schedulesRouter = router({
  list: viewerProcedure
    .input(ZScheduleListInput)
    .query(({ ctx, input }) => ctx.deps.schedules.list(input)),

  get: viewerProcedure.input(ZById).query(({ ctx, input }) => ctx.deps.schedules.get(input.id)),

  /** The timing in words and its next runs, for the form; a bad timing is refused with why. */
  preview: viewerProcedure
    .input(ZSchedulePreviewInput)
    .query(({ ctx, input }) => ctx.deps.schedules.preview(input)),

  /** How much of the repository's data its rotating checks have read, and when. */
  checkCoverage: viewerProcedure
    .input(z.object({ repositoryId: ZId }))
    .query(({ ctx, input }) => checkCoverage(ctx.deps.db, input.repositoryId)),

  misses: viewerProcedure
    .input(ZMissListInput)
    .query(({ ctx, input }) => ctx.deps.schedules.listMisses(input)),

  create: adminProcedure
    .input(ZScheduleCreateInput)
    .mutation(({ ctx, input }) => ctx.deps.schedules.create(input, ctx.actor, ctx.meta)),

  update: adminProcedure
    .input(ZScheduleUpdateInput)
    .mutation(({ ctx, input }) => ctx.deps.schedules.update(input, ctx.actor, ctx.meta)),

  setPaused: operatorProcedure
    .input(ZSchedulePauseInput)
    .mutation(({ ctx, input }) =>
      ctx.deps.schedules.setPaused(input.id, input.paused, ctx.actor, ctx.meta),
    ),

  remove: adminProcedure.input(ZById).mutation(async ({ ctx, input }) => {
    await ctx.deps.schedules.remove(input.id, ctx.actor, ctx.meta);
    return { ok: true };
  }),

  runNow: operatorProcedure
    .input(ZById)
    .mutation(({ ctx, input }) => ctx.deps.schedules.runNow(input.id, ctx.actor, ctx.meta)),
});
