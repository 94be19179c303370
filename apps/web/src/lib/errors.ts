import { TRPCClientError } from "@trpc/client";
import { z } from "zod";

/** The extra fields the server's error formatter adds (see the API's trpc.ts). */
const ZErrorData = z.object({
  code: z.string().optional(),
  fieldErrors: z.record(z.string(), z.array(z.string()).optional()).optional(),
  retryAfterSeconds: z.number().optional(),
});

export interface ApiProblem {
  /** A sentence to show above the form or in place of the data. */
  message: string;
  code: string | undefined;
  /** First message per input field, for the field that caused it. */
  fieldErrors: Record<string, string>;
  retryAfterSeconds: number | undefined;
}

export function describeError(error: unknown): ApiProblem {
  if (!(error instanceof TRPCClientError)) {
    return {
      message: error instanceof Error ? error.message : "Something went wrong.",
      code: undefined,
      fieldErrors: {},
      retryAfterSeconds: undefined,
    };
  }
  const parsed = ZErrorData.safeParse(error.data);
  const data = parsed.success ? parsed.data : {};
  if (!data.code) {
    return {
      message: "The server cannot be reached. Check the connection and try again.",
      code: undefined,
      fieldErrors: {},
      retryAfterSeconds: undefined,
    };
  }
  const fieldErrors = firstMessages(data.fieldErrors ?? {});
  const hasFieldErrors = Object.keys(fieldErrors).length > 0;
  return {
    // A validation error's raw message is a JSON list of issues: the fields say it better.
    message: hasFieldErrors ? "Some fields need attention." : error.message,
    code: data.code,
    fieldErrors,
    retryAfterSeconds: data.retryAfterSeconds,
  };
}

/** One sentence for an error shown where no field can carry it: a field's message if it has one. */
export function errorSentence(error: unknown): string {
  const problem = describeError(error);
  return Object.values(problem.fieldErrors)[0] ?? problem.message;
}

export function firstMessages(
  errors: Record<string, readonly string[] | undefined>,
): Record<string, string> {
  const first: Record<string, string> = {};
  for (const [field, messages] of Object.entries(errors)) {
    const message = messages?.[0];
    if (message) first[field] = message;
  }
  return first;
}

export function errorCode(error: unknown): string | undefined {
  return describeError(error).code;
}

export function isUnauthorized(error: unknown): boolean {
  return errorCode(error) === "UNAUTHORIZED";
}

export function isForbidden(error: unknown): boolean {
  return errorCode(error) === "FORBIDDEN";
}
