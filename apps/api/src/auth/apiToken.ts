import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * API tokens look like `rmt_<id>_<secret>`: the id finds the row, the secret is checked
 * against its SHA-256 (a token is 256 random bits, so a slow KDF would add nothing).
 */

const PREFIX = "rmt";

export interface IssuedToken {
  id: string;
  secretHash: string;
  /** Shown to the user once, never stored. */
  token: string;
}

export function issueApiToken(): IssuedToken {
  const id = randomBytes(9).toString("base64url");
  const secret = randomBytes(32).toString("base64url");
  return { id, secretHash: hashSecret(secret), token: `${PREFIX}_${id}_${secret}` };
}

export function parseApiToken(token: string): { id: string; secret: string } | undefined {
  const match = /^rmt_([A-Za-z0-9_-]{12})_([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match?.[1] || !match[2]) return undefined;
  return { id: match[1], secret: match[2] };
}

export function secretMatches(secret: string, secretHash: string): boolean {
  const expected = Buffer.from(secretHash, "hex");
  const actual = Buffer.from(hashSecret(secret), "hex");
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}
