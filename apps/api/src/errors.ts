import { TRPCError } from "@trpc/server";

/**
 * Errors the services raise, by what went wrong rather than by transport.
 * The tRPC layer maps each code once (see toTRPCError); services never import tRPC.
 */
export type AppErrorCode =
  | "BAD_REQUEST"
  | "UNAUTHORIZED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "CONFLICT"
  | "TOO_MANY_REQUESTS";

export class AppError extends Error {
  constructor(
    readonly code: AppErrorCode,
    message: string,
    readonly details?: { retryAfterSeconds?: number },
  ) {
    super(message);
    this.name = "AppError";
  }
}

export function toTRPCError(error: AppError): TRPCError {
  return new TRPCError({ code: error.code, message: error.message, cause: error });
}

/** The row a lookup found, or NOT_FOUND with `message` ("No such host"). */
export function found<T>(row: T | null | undefined, message: string): T {
  if (row === null || row === undefined) throw new AppError("NOT_FOUND", message);
  return row;
}
