import { adminProcedure, router } from "../trpc/trpc.js";

/** The server's own database copies: admins only, since a copy holds every account's hash. */
export const serverBackupsRouter = router({
  /** The copies in the backups directory, newest first (capped). */
  list: adminProcedure.query(async ({ ctx }) => ({ items: await ctx.deps.serverBackups.list() })),

  /** Where copies go, how often and how many are kept, and how the last one went. */
  status: adminProcedure.query(({ ctx }) => ctx.deps.serverBackups.status()),

  /** Back up now; answers with the outcome (a failure is an outcome, not an error). */
  create: adminProcedure.mutation(({ ctx }) =>
    ctx.deps.serverBackups.createOnRequest(ctx.actor, ctx.meta),
  ),
});
