import { ZAuditListInput } from "@restic-manager/contracts";
import { adminProcedure, router } from "../trpc/trpc.js";
import { listAudit } from "./service.js";

export const auditRouter = router({
  list: adminProcedure
    .input(ZAuditListInput)
    .query(({ ctx, input }) => listAudit(ctx.deps.db, input)),
});
