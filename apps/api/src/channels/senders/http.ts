/** What the HTTP senders (webhook, ntfy) share: a bounded exchange and plain-worded failures. */

/** A receiver has this long to answer, body included. */
export const HTTP_TIMEOUT_MS = 5000;
const SNIPPET_CHARS = 200;

export interface HttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface HttpAnswer {
  status: number;
  statusText: string;
  /** The start of the answer's body, for the record. */
  text: string;
}

/**
 * Sends one request and reads the start of the answer, all within HTTP_TIMEOUT_MS. Redirects
 * are not followed: a receiver that moved is a configuration to fix, and following one could
 * carry the signature or a token elsewhere.
 */
export async function exchange(request: HttpRequest, signal: AbortSignal): Promise<HttpAnswer> {
  const deadline = AbortSignal.any([signal, AbortSignal.timeout(HTTP_TIMEOUT_MS)]);
  const response = await fetch(request.url, {
    method: request.method,
    headers: request.headers,
    body: request.body,
    redirect: "manual",
    signal: deadline,
  });
  const text = await readStart(response);
  return { status: response.status, statusText: response.statusText, text };
}

async function readStart(response: Response): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < 4096) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** `HTTP 503 Service Unavailable`, plus the start of the body when the receiver said why. */
export function describeStatus(answer: HttpAnswer, withBody: boolean): string {
  const status = `HTTP ${answer.status}${answer.statusText ? ` ${answer.statusText}` : ""}`;
  const snippet = printable(answer.text).slice(0, SNIPPET_CHARS);
  return withBody && snippet ? `${status}: ${snippet}` : status;
}

/** A failed exchange in words: a timeout, a refused connection, an answer that is not HTTP. */
export function describeHttpError(error: unknown): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return error.name === "TimeoutError"
      ? `No answer within ${HTTP_TIMEOUT_MS / 1000} s`
      : "Cancelled (the server is stopping)";
  }
  const cause =
    error instanceof Error ? (error.cause as { code?: string; message?: string }) : undefined;
  if (cause?.message) {
    return `Connection failed: ${cause.code ? `${cause.code} ` : ""}${printable(cause.message)}`.slice(
      0,
      300,
    );
  }
  return `Failed: ${error instanceof Error ? error.message : String(error)}`.slice(0, 300);
}

function printable(text: string): string {
  return text.replace(/\p{Cc}+/gu, " ").trim();
}
