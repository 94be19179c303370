import { ZId, ZRestoreRequest, ZSnapshotPath } from "@restic-manager/contracts";
import { z } from "zod";
import { adminProcedure, operatorProcedure, router } from "../trpc/trpc.js";
import { setRestoreRoots, startRestore } from "./service.js";

export const restoresRouter = router({
  /** The wizard's last step: checks everything, then starts the restore job. */
  start: operatorProcedure
    .input(ZRestoreRequest)
    .mutation(({ ctx, input }) => startRestore(ctx.deps, input, ctx.actor, ctx.meta)),

  setRoots: adminProcedure
    .input(z.object({ hostId: ZId, roots: z.array(ZSnapshotPath).max(50) }))
    .mutation(({ ctx, input }) => setRestoreRoots(ctx.deps.db, input, ctx.actor, ctx.meta)),
});
