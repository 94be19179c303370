import { ZById, ZCreateApiTokenInput } from "@restic-manager/contracts";
import { adminProcedure, adminSessionProcedure, router } from "../trpc/trpc.js";
import { createApiToken, listApiTokens, revokeApiToken } from "./service.js";

export const apiTokensRouter = router({
  list: adminProcedure.query(({ ctx }) => listApiTokens(ctx.deps.db)),

  create: adminSessionProcedure
    .input(ZCreateApiTokenInput)
    .mutation(({ ctx, input }) => createApiToken(ctx.deps.db, input, ctx.actor, ctx.meta)),

  revoke: adminSessionProcedure.input(ZById).mutation(async ({ ctx, input }) => {
    await revokeApiToken(ctx.deps.db, input.id, ctx.actor, ctx.meta);
    return { ok: true };
  }),
});
