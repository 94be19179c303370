import { ZCreateApiTokenInput, ZId } from "@restic-manager/contracts";
import { z } from "zod";
import { createApiToken, listApiTokens, revokeApiToken } from "../services/apiTokens.js";
import { adminProcedure, adminSessionProcedure, router } from "../trpc/trpc.js";

export const apiTokensRouter = router({
  list: adminProcedure.query(({ ctx }) => listApiTokens(ctx.deps.db)),

  create: adminSessionProcedure
    .input(ZCreateApiTokenInput)
    .mutation(({ ctx, input }) => createApiToken(ctx.deps.db, input, ctx.actor, ctx.meta)),

  revoke: adminSessionProcedure.input(z.object({ id: ZId })).mutation(async ({ ctx, input }) => {
    await revokeApiToken(ctx.deps.db, input.id, ctx.actor, ctx.meta);
    return { ok: true };
  }),
});
