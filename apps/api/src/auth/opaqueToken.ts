import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Bearer secrets shaped `<prefix>_<id>_<secret>`: API tokens (rmt), enrollment tokens (rme)
 * and agent credentials (rma). The id finds the row; only the SHA-256 of the secret is kept.
 * A secret is 256 random bits, so a slow KDF would add nothing.
 */

export type TokenPrefix = "rmt" | "rme" | "rma";

export interface IssuedToken {
  id: string;
  secretHash: string;
  /** Shown or sent once, never stored. */
  token: string;
}

export function issueToken(prefix: TokenPrefix): IssuedToken {
  const id = randomBytes(9).toString("base64url");
  const secret = randomBytes(32).toString("base64url");
  return { id, secretHash: hashSecret(secret), token: `${prefix}_${id}_${secret}` };
}

export function parseToken(
  prefix: TokenPrefix,
  token: string,
): { id: string; secret: string } | undefined {
  const match = /^([a-z]{3})_([A-Za-z0-9_-]{12})_([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match?.[2] || !match[3] || match[1] !== prefix) return undefined;
  return { id: match[2], secret: match[3] };
}

export function secretMatches(secret: string, secretHash: string): boolean {
  const expected = Buffer.from(secretHash, "hex");
  const actual = Buffer.from(hashSecret(secret), "hex");
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}
