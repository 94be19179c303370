import { hash, verify } from "@node-rs/argon2";

/**
 * Argon2id (the library's default algorithm) with the OWASP baseline: 19 MiB, 2 passes,
 * one lane. Memory-hard, so guessing on GPUs costs what it costs us.
 */
const PARAMS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, PARAMS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the same time as a real check, for unknown users: a login's timing must not
 * reveal which usernames exist.
 */
export async function burnPasswordCheck(password: string): Promise<void> {
  dummyHash ??= hashPassword("restic-manager-timing-equaliser");
  await verifyPassword(await dummyHash, password);
}
