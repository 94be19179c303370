import { ZDownloadRequest } from "@restic-manager/contracts";
import { operatorProcedure, router } from "../trpc/trpc.js";
import { prepareDownload } from "./service.js";

/** Reading file contents takes an operator, as restores do; the bytes come by plain HTTP. */
export const downloadsRouter = router({
  /** A one-time link to a file, or a folder as .zip or .tar, for the browser to fetch. */
  prepare: operatorProcedure
    .input(ZDownloadRequest)
    .mutation(({ ctx, input }) => prepareDownload(ctx.deps, input, ctx.actor, ctx.meta)),
});
