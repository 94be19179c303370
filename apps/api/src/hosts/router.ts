import { ZById, ZEnrollmentCreateInput } from "@restic-manager/contracts";
import { adminProcedure, router, viewerProcedure } from "../trpc/trpc.js";
import {
  createEnrollmentToken,
  listEnrollmentTokens,
  revokeEnrollmentToken,
} from "./enrollment.js";
import { deleteHost, getHost, listHosts, revokeHost } from "./service.js";

/** The one line an admin pastes on a new Linux endpoint. */
export function installCommand(publicUrl: string, token: string): string {
  return `curl -fsSL ${publicUrl}/agent/install.sh | sudo RM_ENROLL_TOKEN=${token} sh`;
}

/** The same for Windows, in an elevated PowerShell. */
export function windowsInstallCommand(publicUrl: string, token: string): string {
  return `$env:RM_ENROLL_TOKEN = "${token}"; irm ${publicUrl}/agent/install.ps1 | iex`;
}

export const hostsRouter = router({
  list: viewerProcedure.query(({ ctx }) => listHosts(ctx.deps.db, ctx.deps.agents)),

  get: viewerProcedure
    .input(ZById)
    .query(({ ctx, input }) => getHost(ctx.deps.db, ctx.deps.agents, input.id)),

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
      const publicUrl = ctx.deps.config.publicUrl;
      return {
        ...created,
        serverUrl: publicUrl,
        installCommand: installCommand(publicUrl, created.token),
        windowsInstallCommand: windowsInstallCommand(publicUrl, created.token),
        // The token goes through the environment: never on a command line other users can see.
        enrollCommand: `RM_ENROLL_TOKEN=${created.token} node agent.mjs enroll --server ${publicUrl}`,
      };
    }),

  enrollments: adminProcedure.query(({ ctx }) => listEnrollmentTokens(ctx.deps.db)),

  revokeEnrollment: adminProcedure.input(ZById).mutation(async ({ ctx, input }) => {
    await revokeEnrollmentToken(ctx.deps.db, input.id, ctx.actor, ctx.meta);
    return { ok: true };
  }),
});
