import {
  ZById,
  ZChannelInput,
  ZChannelPreviewInput,
  ZChannelUpdateInput,
} from "@restic-manager/contracts";
import { adminProcedure, router } from "../trpc/trpc.js";
import {
  createChannel,
  deleteChannel,
  getChannel,
  listChannels,
  previewChannel,
  testChannel,
  updateChannel,
} from "./service.js";

export const channelsRouter = router({
  list: adminProcedure.query(({ ctx }) => listChannels(ctx.deps)),

  get: adminProcedure.input(ZById).query(({ ctx, input }) => getChannel(ctx.deps, input.id)),

  create: adminProcedure
    .input(ZChannelInput)
    .mutation(({ ctx, input }) => createChannel(ctx.deps, input, ctx.actor, ctx.meta)),

  /** Secrets left out keep their stored values; null clears one. */
  update: adminProcedure
    .input(ZChannelUpdateInput)
    .mutation(({ ctx, input }) => updateChannel(ctx.deps, input, ctx.actor, ctx.meta)),

  remove: adminProcedure.input(ZById).mutation(async ({ ctx, input }) => {
    await deleteChannel(ctx.deps, input.id, ctx.actor, ctx.meta);
    return { ok: true };
  }),

  /** Sends a test message now; answers with the receiver's real outcome. */
  test: adminProcedure
    .input(ZById)
    .mutation(({ ctx, input }) => testChannel(ctx.deps, input.id, ctx.actor, ctx.meta)),

  /** A mutation, not a query: the form's unsaved secrets must not travel in a URL. */
  preview: adminProcedure
    .input(ZChannelPreviewInput)
    .mutation(({ ctx, input }) => previewChannel(ctx.deps, input)),
});
