import type { RouterInputs, RouterOutputs } from "@restic-manager/api/router";

/**
 * Calls the tRPC API over plain HTTP, the way any script would, and sees the status codes a
 * script sees. Procedure names, inputs and outputs are typed from the server's router.
 * Inputs and outputs use superjson's envelope: `{ "json": value }` (the values used here
 * need no type metadata).
 */

/** "hosts.list", "auth.login", …: every procedure by its path. */
export type ProcedurePath = {
  [D in keyof RouterInputs]: `${D & string}.${keyof RouterInputs[D] & string}`;
}[keyof RouterInputs];
type Domain<P> = P extends `${infer D}.${string}` ? D & keyof RouterInputs : never;
type Name<P> = P extends `${string}.${infer N}` ? N : never;
export type InputOf<P extends ProcedurePath> = RouterInputs[Domain<P>][Name<P> &
  keyof RouterInputs[Domain<P>]];
export type OutputOf<P extends ProcedurePath> = RouterOutputs[Domain<P>][Name<P> &
  keyof RouterOutputs[Domain<P>]];

export const SESSION_COOKIE = "rm_session";

export interface Credentials {
  /** The value of the session cookie. */
  session?: string | undefined;
  /** An API token, sent as `Authorization: Bearer`. */
  token?: string | undefined;
}

export interface ApiResult<T = unknown> {
  status: number;
  /** `result.data.json` of a successful call (dates arrive as strings). */
  data: T | undefined;
  /** `error.json` of a failed call (message, code, data). */
  error: { message?: string; data?: { code?: string } } | undefined;
  /** The session cookie the server set, if it set one. */
  session: string | undefined;
}

function headersFor(credentials: Credentials): Record<string, string> {
  const headers: Record<string, string> = {};
  if (credentials.session) headers.cookie = `${SESSION_COOKIE}=${credentials.session}`;
  if (credentials.token) headers.authorization = `Bearer ${credentials.token}`;
  return headers;
}

async function parse<T>(response: Response): Promise<ApiResult<T>> {
  const body = (await response.json()) as {
    result?: { data?: { json?: T } };
    error?: { json?: ApiResult["error"] };
  };
  const cookie = response.headers
    .getSetCookie()
    .find((header) => header.startsWith(`${SESSION_COOKIE}=`));
  const session = cookie?.slice(SESSION_COOKIE.length + 1).split(";")[0];
  return {
    status: response.status,
    data: body.result?.data?.json,
    error: body.error?.json,
    session: session || undefined,
  };
}

export async function query<P extends ProcedurePath>(
  baseUrl: string,
  procedure: P,
  input?: InputOf<P>,
  credentials: Credentials = {},
): Promise<ApiResult<OutputOf<P>>> {
  const search =
    input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify({ json: input }))}`;
  const response = await fetch(`${baseUrl}/trpc/${procedure}${search}`, {
    headers: headersFor(credentials),
  });
  return parse<OutputOf<P>>(response);
}

export async function mutation<P extends ProcedurePath>(
  baseUrl: string,
  procedure: P,
  input?: InputOf<P>,
  credentials: Credentials = {},
): Promise<ApiResult<OutputOf<P>>> {
  const response = await fetch(`${baseUrl}/trpc/${procedure}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headersFor(credentials) },
    body: JSON.stringify(input === undefined ? {} : { json: input }),
  });
  return parse<OutputOf<P>>(response);
}

/** Creates the first admin through the API and returns its session cookie. */
export async function setupAdmin(
  baseUrl: string,
  account: { username: string; password: string },
): Promise<string> {
  const result = await mutation(baseUrl, "auth.setup", account);
  if (result.status !== 200 || !result.session) {
    throw new Error(`auth.setup failed: ${result.status} ${JSON.stringify(result.error)}`);
  }
  return result.session;
}

export async function authStatus(baseUrl: string, credentials: Credentials = {}) {
  const result = await query(baseUrl, "auth.status", undefined, credentials);
  return result.data as {
    needsSetup: boolean;
    user: { id: string; username: string; role: string } | null;
  };
}
