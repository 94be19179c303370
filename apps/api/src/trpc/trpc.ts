import { roleAtLeast, type TRole } from "@restic-manager/contracts";
import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { ZodError, z } from "zod";
import { recordAudit } from "../audit/service.js";
import { SESSION_ENDED } from "../auth/service.js";
import { AppError, toTRPCError } from "../errors.js";
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

/**
 * PostgreSQL's text cannot hold NUL (SQLite's can): a NUL anywhere in a call's input (a log
 * line of binary output, a mangled id) becomes U+FFFD before the input is parsed, on either
 * database, so neither stores or refuses what the other would not.
 */
const withoutNul = t.middleware(({ getRawInput, next }) =>
  next({ getRawInput: async () => replaceNul(await getRawInput()) }),
);

function replaceNul(value: unknown): unknown {
  if (typeof value === "string")
    return value.includes("\u0000") ? value.replaceAll("\u0000", "\uFFFD") : value;
  if (Array.isArray(value)) return value.map(replaceNul);
  if (value === null || typeof value !== "object") return value;
  if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) {
    return value; // a Date, a Map…: nothing of ours holds text there
  }
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    // Defined, not assigned: a key "__proto__" stays a plain key for the parser to refuse.
    Object.defineProperty(out, replaceNul(key) as string, {
      value: replaceNul(item),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

export const publicProcedure = t.procedure.use(withoutNul).use(mapAppErrors);

function requireRole(required: TRole) {
  return t.middleware(async ({ ctx, next, path }) => {
    const { actor } = ctx;
    if (!actor) {
      // Refused credentials were audited (aggregated) where they were checked.
      if (ctx.credentialProblem === SESSION_ENDED) ctx.clearSessionCookie();
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

/**
 * Account self-service (sessions, password, API tokens) needs a person signed in: a stolen
 * token, whatever its role, can neither sign its owner out nor mint more tokens.
 */
const requireSignedInUser = t.middleware(({ ctx, next }) => {
  if (ctx.actor?.type !== "user") {
    throw new TRPCError({
      code: "FORBIDDEN",
      message: "This needs a signed-in user, not an API token",
    });
  }
  return next({ ctx: { ...ctx, actor: ctx.actor } });
});

/** For what only a person in a browser can do (sign out, change their own password). */
export const sessionProcedure = viewerProcedure.use(requireSignedInUser);
/** Admin actions that hand out credentials (API tokens). */
export const adminSessionProcedure = adminProcedure.use(requireSignedInUser);

/**
 * For endpoint agents on their WebSocket; people and API tokens are refused. A socket
 * authenticates once, so each call checks again (in memory) that its host was not revoked.
 */
export const agentProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.agent) {
    throw new TRPCError({ code: "UNAUTHORIZED", message: "This needs an agent connection" });
  }
  if (ctx.deps.agents.isEnded(ctx.agent.hostId)) {
    ctx.agent.close(4003, "host revoked");
    throw new TRPCError({ code: "UNAUTHORIZED", message: "This host was revoked" });
  }
  return next({ ctx: { ...ctx, agent: ctx.agent } });
});
