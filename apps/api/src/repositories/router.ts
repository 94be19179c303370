import {
  ZById,
  ZRepositoryCreateInput,
  ZRepositoryListInput,
  ZRepositoryUpdateInput,
} from "@restic-manager/contracts";
import { adminProcedure, operatorProcedure, router, viewerProcedure } from "../trpc/trpc.js";
import { refreshHealth } from "./health.js";
import {
  createRepository,
  deleteRepository,
  getRepository,
  listRepositories,
  updateRepository,
} from "./service.js";

export const repositoriesRouter = router({
  list: viewerProcedure
    .input(ZRepositoryListInput)
    .query(({ ctx, input }) => listRepositories(ctx.deps.db, input)),

  get: viewerProcedure.input(ZById).query(({ ctx, input }) => getRepository(ctx.deps.db, input.id)),

  /** Registers a repository and starts its set-up job (init or adopt); see setupJobId. */
  create: adminProcedure
    .input(ZRepositoryCreateInput)
    .mutation(({ ctx, input }) => createRepository(ctx.deps, input, ctx.actor, ctx.meta)),

  update: adminProcedure.input(ZRepositoryUpdateInput).mutation(async ({ ctx, input }) => {
    const updated = await updateRepository(ctx.deps, input, ctx.actor, ctx.meta);
    // Schedules carry its credentials and follow its maintenance host.
    await ctx.deps.schedules.refreshFor({ repositoryId: input.id });
    return updated;
  }),

  remove: adminProcedure.input(ZById).mutation(async ({ ctx, input }) => {
    await ctx.deps.schedules.afterRemoving({ repositoryId: input.id }, () =>
      deleteRepository(ctx.deps.db, input.id, ctx.actor, ctx.meta),
    );
    return { ok: true };
  }),

  refreshHealth: operatorProcedure.input(ZById).mutation(async ({ ctx, input }) => ({
    jobId: (await refreshHealth(ctx.deps, input.id)) ?? null,
  })),
});
