import { createHash, hkdfSync, randomBytes } from "node:crypto";
import { closeSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from "node:fs";
import path from "node:path";

const KEY_BYTES = 32;

export interface MasterKey {
  /** Derived from the key itself, so every ciphertext names the key that sealed it. */
  id: string;
  key: Buffer;
}

export class KeyringError extends Error {
  override name = "KeyringError";
}

/** The master keys: the first seals new secrets, all of them open old ones. */
export class Keyring {
  readonly current: MasterKey;
  private readonly byId: Map<string, MasterKey>;

  constructor(keys: MasterKey[]) {
    const [current] = keys;
    if (!current) throw new KeyringError("The keyring has no master key");
    this.current = current;
    this.byId = new Map(keys.map((k) => [k.id, k]));
  }

  find(id: string): MasterKey | undefined {
    return this.byId.get(id);
  }

  /** A purpose-bound key (e.g. for signing sessions), so the master key itself signs nothing. */
  derive(purpose: string, keyId = this.current.id): Buffer | undefined {
    const master = this.find(keyId);
    if (!master) return undefined;
    return Buffer.from(hkdfSync("sha256", master.key, Buffer.alloc(0), purpose, KEY_BYTES));
  }
}

export function keyIdOf(key: Buffer): string {
  return createHash("sha256")
    .update("restic-manager/key-id/")
    .update(key)
    .digest("hex")
    .slice(0, 12);
}

export function parseMasterKey(encoded: string, source: string): MasterKey {
  const key = Buffer.from(encoded.trim(), "base64");
  if (key.length !== KEY_BYTES || key.toString("base64") !== encoded.trim()) {
    throw new KeyringError(`${source} must hold base64-encoded ${KEY_BYTES}-byte keys`);
  }
  return { id: keyIdOf(key), key };
}

export function generateMasterKey(): MasterKey {
  const key = randomBytes(KEY_BYTES);
  return { id: keyIdOf(key), key };
}

/** One base64 key per line, newest first; lines starting with # are comments. */
function readKeyFile(file: string): MasterKey[] {
  const keys = readFileSync(file, "utf8")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => parseMasterKey(line, `The key file ${file}`));
  if (keys.length === 0) throw new KeyringError(`The key file ${file} holds no key`);
  return keys;
}

function writeKeyFile(file: string, keys: MasterKey[], exclusive: boolean): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const body = [
    "# restic-manager master keys, newest first. Back this file up: without it, stored",
    "# secrets cannot be read. Never share it.",
    ...keys.map((k) => k.key.toString("base64")),
    "",
  ].join("\n");
  // Created 0600 from the first byte, so the key is never readable by others.
  const fd = openSync(file, exclusive ? "wx" : "w", 0o600);
  try {
    writeSync(fd, body);
  } finally {
    closeSync(fd);
  }
}

export interface LoadKeyringOptions {
  keysFromEnv: string[] | undefined;
  keyFile: string;
  onGenerated?: (file: string) => void;
  onLooseMode?: (file: string, mode: number) => void;
}

/** Keys from the environment win; otherwise the key file, created on first start. */
export function loadKeyring(options: LoadKeyringOptions): Keyring {
  if (options.keysFromEnv) {
    return new Keyring(options.keysFromEnv.map((k) => parseMasterKey(k, "RM_MASTER_KEY")));
  }
  let stat: ReturnType<typeof statSync> | undefined;
  try {
    stat = statSync(options.keyFile);
  } catch {
    stat = undefined;
  }
  if (!stat) {
    const key = generateMasterKey();
    writeKeyFile(options.keyFile, [key], true);
    options.onGenerated?.(options.keyFile);
    return new Keyring([key]);
  }
  const mode = Number(stat.mode) & 0o777;
  if (mode & 0o077) options.onLooseMode?.(options.keyFile, mode);
  return new Keyring(readKeyFile(options.keyFile));
}

/**
 * Adds a new current key to the key file; older keys stay so existing secrets still open.
 * Returns the new key's id.
 */
export function rotateKeyFile(file: string): string {
  const keys = readKeyFile(file);
  const key = generateMasterKey();
  writeKeyFile(file, [key, ...keys], false);
  return key.id;
}
