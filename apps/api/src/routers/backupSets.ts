import { ZBackupSetInput, ZId } from "@restic-manager/contracts";
import { z } from "zod";
import {
  deleteBackupSet,
  listBackupSets,
  runBackupSet,
  saveBackupSet,
} from "../services/backupSets.js";
import { adminProcedure, operatorProcedure, router, viewerProcedure } from "../trpc/trpc.js";

const ZById = z.object({ id: ZId });

export const backupSetsRouter = router({
  list: viewerProcedure
    .input(z.object({ hostId: ZId.optional(), repositoryId: ZId.optional() }).default({}))
    .query(({ ctx, input }) =>
      listBackupSets(ctx.deps.db, {
        ...(input.hostId ? { hostId: input.hostId } : {}),
        ...(input.repositoryId ? { repositoryId: input.repositoryId } : {}),
      }),
    ),

  create: adminProcedure
    .input(ZBackupSetInput)
    .mutation(({ ctx, input }) => saveBackupSet(ctx.deps.db, input, ctx.actor, ctx.meta)),

  update: adminProcedure
    .input(ZBackupSetInput.extend({ id: ZId }))
    .mutation(({ ctx, input }) => saveBackupSet(ctx.deps.db, input, ctx.actor, ctx.meta)),

  remove: adminProcedure.input(ZById).mutation(async ({ ctx, input }) => {
    await deleteBackupSet(ctx.deps.db, input.id, ctx.actor, ctx.meta);
    return { ok: true };
  }),

  run: operatorProcedure
    .input(ZById)
    .mutation(({ ctx, input }) => runBackupSet(ctx.deps, input.id, ctx.actor, ctx.meta)),
});
