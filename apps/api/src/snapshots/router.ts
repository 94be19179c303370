import {
  ZBrowseInput,
  ZFindInput,
  ZSnapshotDiffInput,
  ZSnapshotListInput,
} from "@restic-manager/contracts";
import { router, viewerProcedure } from "../trpc/trpc.js";
import { browseSnapshot, diffSnapshots, findInSnapshot, listSnapshots } from "./service.js";

/**
 * Reading snapshots through an agent that can reach the repository; each answer names the
 * host that read it. Viewers may list and browse (names and sizes); reading file contents
 * (restores, downloads) takes an operator.
 */
export const snapshotsRouter = router({
  list: viewerProcedure
    .input(ZSnapshotListInput)
    .query(({ ctx, input }) => listSnapshots(ctx.deps, input)),

  browse: viewerProcedure
    .input(ZBrowseInput)
    .query(({ ctx, input }) => browseSnapshot(ctx.deps, input)),

  find: viewerProcedure
    .input(ZFindInput)
    .query(({ ctx, input }) => findInSnapshot(ctx.deps, input)),

  diff: viewerProcedure
    .input(ZSnapshotDiffInput)
    .query(({ ctx, input }) => diffSnapshots(ctx.deps, input)),
});
