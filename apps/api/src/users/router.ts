import {
  ZById,
  ZCreateUserInput,
  ZResetPasswordInput,
  ZUpdateUserInput,
} from "@restic-manager/contracts";
import { adminProcedure, router } from "../trpc/trpc.js";
import { createUser, deleteUser, listUsers, resetPassword, updateUser } from "./service.js";

export const usersRouter = router({
  list: adminProcedure.query(({ ctx }) => listUsers(ctx.deps.db)),

  create: adminProcedure
    .input(ZCreateUserInput)
    .mutation(({ ctx, input }) => createUser(ctx.deps.db, input, ctx.actor, ctx.meta)),

  update: adminProcedure
    .input(ZUpdateUserInput)
    .mutation(({ ctx, input }) => updateUser(ctx.deps.db, input, ctx.actor, ctx.meta)),

  resetPassword: adminProcedure.input(ZResetPasswordInput).mutation(async ({ ctx, input }) => {
    await resetPassword(ctx.deps.db, input, ctx.actor, ctx.meta);
    return { ok: true };
  }),

  revokeSessions: adminProcedure.input(ZById).mutation(async ({ ctx, input }) => ({
    revoked: await ctx.deps.auth.revokeAllSessions(input.id, ctx.actor, ctx.meta),
  })),

  remove: adminProcedure.input(ZById).mutation(async ({ ctx, input }) => {
    await deleteUser(ctx.deps.db, input.id, ctx.actor, ctx.meta);
    return { ok: true };
  }),
});
