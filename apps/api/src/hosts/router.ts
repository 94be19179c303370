import { ZById, ZEnrollmentCreateInput, ZHostListInput } from "@restic-manager/contracts";
import { adminProcedure, router, viewerProcedure } from "../trpc/trpc.js";
import { agentOffer } from "./agentRelease.js";
import { requestAgentUpdate } from "./agentUpdate.js";
import {
  createEnrollmentToken,
  listEnrollmentTokens,
  revokeEnrollmentToken,
} from "./enrollment.js";
import { enrollmentCommands } from "./installCommands.js";
import { deleteHost, getHost, listHosts, revokeHost } from "./service.js";

export const hostsRouter = router({
  list: viewerProcedure
    .input(ZHostListInput)
    .query(({ ctx, input }) =>
      listHosts(ctx.deps.db, ctx.deps.agents, input, agentOffer(ctx.deps.config)),
    ),

  get: viewerProcedure
    .input(ZById)
    .query(({ ctx, input }) =>
      getHost(ctx.deps.db, ctx.deps.agents, input.id, agentOffer(ctx.deps.config)),
    ),

  /** Has the host's agent replace itself with the bundle this server serves (see agentUpdate.ts). */
  updateAgent: adminProcedure
    .input(ZById)
    .mutation(({ ctx, input }) => requestAgentUpdate(ctx.deps, input.id, ctx.actor, ctx.meta)),

  revoke: adminProcedure.input(ZById).mutation(async ({ ctx, input }) => {
    await revokeHost(ctx.deps, input.id, ctx.actor, ctx.meta);
    return { ok: true };
  }),

  remove: adminProcedure.input(ZById).mutation(async ({ ctx, input }) => {
    await deleteHost(ctx.deps, input.id, ctx.actor, ctx.meta);
    return { ok: true };
  }),

  createEnrollment: adminProcedure
    .input(ZEnrollmentCreateInput)
    .mutation(async ({ ctx, input }) => {
      const created = await createEnrollmentToken(ctx.deps.db, input, ctx.actor, ctx.meta);
      return { ...created, ...enrollmentCommands(ctx.deps.config.publicUrl, created.token) };
    }),

  enrollments: adminProcedure.query(({ ctx }) => listEnrollmentTokens(ctx.deps.db)),

  revokeEnrollment: adminProcedure.input(ZById).mutation(async ({ ctx, input }) => {
    await revokeEnrollmentToken(ctx.deps.db, input.id, ctx.actor, ctx.meta);
    return { ok: true };
  }),
});
