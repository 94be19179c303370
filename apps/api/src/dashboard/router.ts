import { router, viewerProcedure } from "../trpc/trpc.js";
import { dashboardSummary } from "./service.js";

export const dashboardRouter = router({
  /** Everything the dashboard page shows, bounded in size and cost whatever the fleet's size. */
  summary: viewerProcedure.query(({ ctx }) => dashboardSummary(ctx.deps)),
});
