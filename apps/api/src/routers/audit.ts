import { ZAuditListInput } from "@restic-manager/contracts";
import { listAudit } from "../services/audit.js";
import { adminProcedure, router } from "../trpc/trpc.js";

export const auditRouter = router({
  list: adminProcedure
    .input(ZAuditListInput)
    .query(({ ctx, input }) => listAudit(ctx.deps.db, input)),
});
