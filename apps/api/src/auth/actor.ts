import type { TRole } from "@restic-manager/contracts";

/** Who is asking: a signed-in person or a script holding an API token. */
export type Actor =
  | { type: "user"; userId: string; username: string; role: TRole; sessionId: string }
  | {
      type: "token";
      userId: string;
      username: string;
      role: TRole;
      tokenId: string;
      tokenName: string;
    };

/** Where a request came from, for throttling and the audit log. */
export interface RequestMeta {
  ip: string | undefined;
  userAgent: string | undefined;
}
