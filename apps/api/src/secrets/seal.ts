import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { Keyring } from "./keyring.js";

/**
 * Secrets at rest: AES-256-GCM under the current master key.
 *
 * Sealed form: `rm1.<keyId>.<iv>.<ciphertext>.<tag>` (base64url parts). The key id lets old
 * secrets open after a rotation. The caller's `context` (e.g. "repository:abc:password") is
 * bound as additional data, so a sealed value copied into another field does not open.
 */

const VERSION = "rm1";
const IV_BYTES = 12;

export class SecretError extends Error {
  override name = "SecretError";
}

export function sealSecret(keyring: Keyring, plaintext: string, context: string): string {
  const { id, key } = keyring.current;
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(additionalData(id, context));
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [VERSION, id, iv, ciphertext, tag]
    .map((part) => (typeof part === "string" ? part : part.toString("base64url")))
    .join(".");
}

export function openSecret(keyring: Keyring, sealed: string, context: string): string {
  const [version, keyId, iv, ciphertext, tag, ...rest] = sealed.split(".");
  if (version !== VERSION || !keyId || !iv || ciphertext === undefined || !tag || rest.length) {
    throw new SecretError("The stored secret is not in a known format");
  }
  const master = keyring.find(keyId);
  if (!master) {
    throw new SecretError(`The stored secret was sealed with key ${keyId}, which is not loaded`);
  }
  try {
    const decipher = createDecipheriv("aes-256-gcm", master.key, Buffer.from(iv, "base64url"));
    decipher.setAAD(additionalData(keyId, context));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([
      decipher.update(Buffer.from(ciphertext, "base64url")),
      decipher.final(),
    ]).toString("utf8");
  } catch {
    // Never echo the ciphertext or the cause: just say it does not authenticate.
    throw new SecretError("The stored secret failed authentication (tampered or wrong context)");
  }
}

/** True when the secret was sealed with an older key and should be sealed again. */
export function needsResealing(keyring: Keyring, sealed: string): boolean {
  return sealed.split(".")[1] !== keyring.current.id;
}

function additionalData(keyId: string, context: string): Buffer {
  return Buffer.from(`${VERSION}|${keyId}|${context}`, "utf8");
}
