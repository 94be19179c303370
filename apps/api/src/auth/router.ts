import { ZChangePasswordInput, ZLoginInput, ZSetupInput } from "@restic-manager/contracts";
import { publicProcedure, router, sessionProcedure } from "../trpc/trpc.js";

export const authRouter = router({
  /** What the SPA needs before it draws anything: first-run or sign-in, and who is signed in. */
  status: publicProcedure.query(async ({ ctx }) => ({
    needsSetup: await ctx.deps.auth.needsSetup(),
    user: ctx.actor
      ? { id: ctx.actor.userId, username: ctx.actor.username, role: ctx.actor.role }
      : null,
  })),

  setup: publicProcedure.input(ZSetupInput).mutation(async ({ ctx, input }) => {
    const signedIn = await ctx.deps.auth.setupFirstAdmin(input, ctx.meta);
    ctx.setSessionCookie(signedIn.cookie, signedIn.expiresAt);
    return { user: signedIn.user };
  }),

  login: publicProcedure.input(ZLoginInput).mutation(async ({ ctx, input }) => {
    const signedIn = await ctx.deps.auth.login(input, ctx.meta);
    ctx.setSessionCookie(signedIn.cookie, signedIn.expiresAt);
    return { user: signedIn.user };
  }),

  logout: sessionProcedure.mutation(async ({ ctx }) => {
    await ctx.deps.auth.logout(ctx.actor, ctx.meta);
    ctx.clearSessionCookie();
    return { ok: true };
  }),

  changePassword: sessionProcedure.input(ZChangePasswordInput).mutation(async ({ ctx, input }) => {
    await ctx.deps.auth.changePassword(ctx.actor, input, ctx.meta);
    return { ok: true };
  }),

  sessions: sessionProcedure.query(async ({ ctx }) => {
    const sessions = await ctx.deps.auth.listSessions(ctx.actor.userId);
    return sessions.map((s) => ({ ...s, current: s.id === ctx.actor.sessionId }));
  }),

  /** Signs this user out everywhere, this browser included. */
  revokeAllSessions: sessionProcedure.mutation(async ({ ctx }) => {
    const revoked = await ctx.deps.auth.revokeAllSessions(ctx.actor.userId, ctx.actor, ctx.meta);
    ctx.clearSessionCookie();
    return { revoked };
  }),
});
