import { ZId } from "@restic-manager/contracts";
import { z } from "zod";
import { createRepository, deleteRepository, listRepositories } from "../services/repositories.js";
import { adminProcedure, router, viewerProcedure } from "../trpc/trpc.js";

const ZRepositoryInput = z.object({
  name: z.string().trim().min(1, "Name is required").max(100),
  url: z.string().trim().min(1, "The repository is required").max(2000),
  password: z.string().min(1, "The repository password is required").max(1000),
  env: z
    .record(
      z.string().regex(/^[A-Z][A-Z0-9_]*$/, "Variable names are upper case, digits and _"),
      z.string().max(4000),
    )
    .default({}),
});

export const repositoriesRouter = router({
  list: viewerProcedure.query(({ ctx }) => listRepositories(ctx.deps.db)),

  create: adminProcedure
    .input(ZRepositoryInput)
    .mutation(({ ctx, input }) => createRepository(ctx.deps, input, ctx.actor, ctx.meta)),

  remove: adminProcedure.input(z.object({ id: ZId })).mutation(async ({ ctx, input }) => {
    await deleteRepository(ctx.deps.db, input.id, ctx.actor, ctx.meta);
    return { ok: true };
  }),
});
