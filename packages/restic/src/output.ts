import type { z } from "zod";
import { ResticOutputError } from "./errors.js";
import type { Redactor } from "./redact.js";

/** The part of an invalid value shown in an error: enough to recognise it, never a whole dump. */
const EXCERPT_CHARS = 300;

export function excerpt(text: string, redact: Redactor): string {
  const clean = redact(text);
  return clean.length > EXCERPT_CHARS ? `${clean.slice(0, EXCERPT_CHARS)}…` : clean;
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`)
    .join("; ");
}

export interface ParseContext {
  command: string;
  redact: Redactor;
}

/**
 * Validates one JSON line: first that its `message_type` is one restic documents for this
 * command, then its shape. An unknown type is rejected, not skipped: ignoring it could hide a
 * changed output format.
 */
export function parseMessage<T>(
  schema: z.ZodType<T>,
  knownTypes: readonly string[],
  value: unknown,
  line: string,
  context: ParseContext,
): T {
  const type =
    typeof value === "object" && value !== null && "message_type" in value
      ? value.message_type
      : undefined;
  if (typeof type !== "string") {
    throw outputError(
      context,
      `a JSON line without message_type: ${excerpt(line, context.redact)}`,
    );
  }
  if (!knownTypes.includes(type)) {
    throw outputError(
      context,
      `unknown message_type "${excerpt(type, context.redact)}" (expected ${knownTypes.join(", ")})`,
    );
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw outputError(
      context,
      `a "${type}" message that does not match the expected shape (${describeIssues(parsed.error)}): ${excerpt(line, context.redact)}`,
    );
  }
  return parsed.data;
}

/** Validates a whole JSON document (snapshots, stats, cat config, …). */
export function parseDocument<T>(schema: z.ZodType<T>, text: string, context: ParseContext): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw outputError(context, `output that is not JSON: ${excerpt(text.trim(), context.redact)}`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw outputError(
      context,
      `JSON that does not match the expected shape (${describeIssues(parsed.error)}): ${excerpt(text.trim(), context.redact)}`,
    );
  }
  return parsed.data;
}

export function outputError(context: ParseContext, what: string): ResticOutputError {
  return new ResticOutputError(`restic ${context.command} printed ${what}`, {
    command: context.command,
    exitCode: null,
    stderrTail: "",
  });
}
