import { errors, jwtVerify, SignJWT } from "jose";
import type { Keyring } from "../secrets/keyring.js";

/**
 * The session cookie's value: a JWT (HS256) naming a Session row. The signature stops
 * forgery; the row lets logout and "revoke all sessions" end it before it expires.
 * The signing key is derived from the master key and named in `kid`, so sessions signed
 * before a key rotation stay valid until they expire.
 */

const ISSUER = "restic-manager";
const AUDIENCE = "restic-manager/session";
const PURPOSE = "restic-manager/session-signing/v1";

export interface SessionClaims {
  sessionId: string;
  userId: string;
}

export class SessionTokens {
  constructor(private readonly keyring: Keyring) {}

  async sign(claims: SessionClaims, expiresAt: Date): Promise<string> {
    const kid = this.keyring.current.id;
    const key = this.keyring.derive(PURPOSE, kid);
    if (!key) throw new Error("The current master key cannot be derived");
    return new SignJWT({})
      .setProtectedHeader({ alg: "HS256", kid })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(claims.userId)
      .setJti(claims.sessionId)
      .setIssuedAt()
      .setExpirationTime(expiresAt)
      .sign(key);
  }

  /** The claims of a valid, unexpired token; undefined for anything else. */
  async verify(token: string): Promise<SessionClaims | undefined> {
    try {
      const { payload } = await jwtVerify(
        token,
        (header) => {
          const key = header.kid ? this.keyring.derive(PURPOSE, header.kid) : undefined;
          if (!key) throw new errors.JWKSNoMatchingKey();
          return key;
        },
        { issuer: ISSUER, audience: AUDIENCE, algorithms: ["HS256"] },
      );
      if (!payload.jti || !payload.sub) return undefined;
      return { sessionId: payload.jti, userId: payload.sub };
    } catch {
      return undefined;
    }
  }
}
