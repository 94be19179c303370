import {
  ZBackupSetInput,
  ZBackupSetListInput,
  ZBackupSetUpdateInput,
  ZById,
  ZRetentionPreviewInput,
} from "@restic-manager/contracts";
import { adminProcedure, operatorProcedure, router, viewerProcedure } from "../trpc/trpc.js";
import {
  deleteBackupSet,
  getBackupSet,
  listBackupSets,
  previewRetention,
  runBackupSet,
  saveBackupSet,
} from "./service.js";

export const backupSetsRouter = router({
  list: viewerProcedure
    .input(ZBackupSetListInput)
    .query(({ ctx, input }) => listBackupSets(ctx.deps.db, input)),

  /** One set by id: a picker's chosen set when it is not on the page it shows. */
  get: viewerProcedure.input(ZById).query(({ ctx, input }) => getBackupSet(ctx.deps.db, input.id)),

  create: adminProcedure
    .input(ZBackupSetInput)
    .mutation(({ ctx, input }) => saveBackupSet(ctx.deps.db, input, ctx.actor, ctx.meta)),

  update: adminProcedure.input(ZBackupSetUpdateInput).mutation(async ({ ctx, input }) => {
    const saved = await saveBackupSet(ctx.deps.db, input, ctx.actor, ctx.meta);
    // Its schedules' agents get the new paths and retention.
    await ctx.deps.schedules.refreshFor({ backupSetId: saved.id });
    return saved;
  }),

  /** Runs the policy as a dry-run forget; the job's result says what it keeps and removes. */
  previewRetention: operatorProcedure
    .input(ZRetentionPreviewInput)
    .mutation(({ ctx, input }) => previewRetention(ctx.deps, input, ctx.actor, ctx.meta)),

  remove: adminProcedure.input(ZById).mutation(async ({ ctx, input }) => {
    await ctx.deps.schedules.afterRemoving({ backupSetId: input.id }, () =>
      deleteBackupSet(ctx.deps.db, input.id, ctx.actor, ctx.meta),
    );
    return { ok: true };
  }),

  run: operatorProcedure
    .input(ZById)
    .mutation(({ ctx, input }) => runBackupSet(ctx.deps, input.id, ctx.actor, ctx.meta)),
});
