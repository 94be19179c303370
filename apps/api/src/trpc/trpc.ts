import { roleAtLeast, type TRole } from "@restic-manager/contracts";
import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { ZodError, z } from "zod";
import { AppError, toTRPCError } from "../errors.js";
import { recordAudit } from "../services/audit.js";
import type { Context } from "./context.js";

const t = initTRPC.context<Context>().create({
  transformer: superjson,
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    const message =
      cause instanceof ZodError
        ? `Invalid input: ${cause.issues
            .slice(0, 5)
            .map((issue) =>
              issue.path.length ? `${issue.path.join(".")}: ${issue.message}` : issue.message,
            )
            .join("; ")}`
        : shape.message;
    return {
      ...shape,
      message,
      data: {
        ...shape.data,
        stack: undefined,
        // Field-by-field messages for the form that sent the input.
        fieldErrors: cause instanceof ZodError ? z.flattenError(cause).fieldErrors : undefined,
        retryAfterSeconds: cause instanceof AppError ? cause.details?.retryAfterSeconds : undefined,
      },
    };
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Services throw AppError; it is turned into the matching tRPC error here, once. */
const mapAppErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof AppError) {
    throw toTRPCError(result.error.cause);
  }
  return result;
});

export const publicProcedure = t.procedure.use(mapAppErrors);

function requireRole(required: TRole) {
  return t.middleware(async ({ ctx, next, path }) => {
    const { actor } = ctx;
    if (!actor) {
      if (ctx.credentialProblem && ctx.credentialProblem !== "session expired or revoked") {
        await recordAudit(ctx.deps.db, {
          action: "token.rejected",
          outcome: "failure",
          ip: ctx.meta.ip,
          details: { reason: ctx.credentialProblem, procedure: path },
        });
      }
      if (ctx.credentialProblem === "session expired or revoked") ctx.clearSessionCookie();
      throw new TRPCError({
        code: "UNAUTHORIZED",
        message: ctx.credentialProblem
          ? `Not signed in: ${ctx.credentialProblem}`
          : "Not signed in",
      });
    }
    if (!roleAtLeast(actor.role, required)) {
      await recordAudit(ctx.deps.db, {
        action: "auth.access_denied",
        outcome: "failure",
        actor,
        ip: ctx.meta.ip,
        details: { procedure: path, required, role: actor.role },
      });
      throw new TRPCError({
        code: "FORBIDDEN",
        message: `This needs the ${required} role; you are ${actor.role}`,
      });
    }
    return next({ ctx: { ...ctx, actor } });
  });
}

export const viewerProcedure = publicProcedure.use(requireRole("viewer"));
export const operatorProcedure = publicProcedure.use(requireRole("operator"));
export const adminProcedure = publicProcedure.use(requireRole("admin"));

/** For what only a person in a browser can do (sign out, change their own password). */
export const sessionProcedure = viewerProcedure.use(({ ctx, next }) => {
  if (ctx.actor.type !== "user") {
    throw new TRPCError({
      code: "FORBIDDEN",
      message: "This needs a signed-in user, not an API token",
    });
  }
  return next({ ctx: { ...ctx, actor: ctx.actor } });
});

/** For endpoint agents on their WebSocket; people and API tokens are refused. */
export const agentProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.agent) {
    throw new TRPCError({ code: "UNAUTHORIZED", message: "This needs an agent connection" });
  }
  return next({ ctx: { ...ctx, agent: ctx.agent } });
});
