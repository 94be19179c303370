import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  generateMasterKey,
  Keyring,
  KeyringError,
  loadKeyring,
  rotateKeyFile,
} from "../src/secrets/keyring.js";
import { needsResealing, openSecret, SecretError, sealSecret } from "../src/secrets/seal.js";

const CONTEXT = "repository:r1:password";

describe("secret sealing (AES-256-GCM)", () => {
  const keyring = new Keyring([generateMasterKey()]);

  it("round-trips, with a fresh IV each time and no plaintext in the sealed form", () => {
    const secret = "hunter2 — ünïcode too";
    const a = sealSecret(keyring, secret, CONTEXT);
    const b = sealSecret(keyring, secret, CONTEXT);
    expect(a).not.toBe(b);
    expect(a).not.toContain("hunter2");
    expect(a.split(".")[1]).toBe(keyring.current.id);
    expect(openSecret(keyring, a, CONTEXT)).toBe(secret);
    expect(openSecret(keyring, sealSecret(keyring, "", CONTEXT), CONTEXT)).toBe("");
  });

  it("detects tampering with any part", () => {
    const sealed = sealSecret(keyring, "s3cret", CONTEXT);
    const parts = sealed.split(".");
    for (const index of [2, 3, 4]) {
      const changed = [...parts];
      const part = changed[index] ?? "";
      changed[index] = `${part[0] === "A" ? "B" : "A"}${part.slice(1)}`;
      expect(() => openSecret(keyring, changed.join("."), CONTEXT)).toThrow(SecretError);
    }
    expect(() => openSecret(keyring, `${sealed}x`, CONTEXT)).toThrow(SecretError);
    expect(() => openSecret(keyring, "not sealed", CONTEXT)).toThrow(/known format/);
  });

  it("does not open in another context or under another key, and never echoes the value", () => {
    const sealed = sealSecret(keyring, "s3cret", CONTEXT);
    expect(() => openSecret(keyring, sealed, "repository:r2:password")).toThrow(SecretError);
    const other = new Keyring([generateMasterKey()]);
    expect(() => openSecret(other, sealed, CONTEXT)).toThrow(/not loaded/);
    try {
      openSecret(keyring, sealed, "elsewhere");
    } catch (error) {
      expect(String(error)).not.toContain("s3cret");
      expect(String(error)).not.toContain(sealed.split(".")[3]);
    }
  });

  it("opens old secrets after a rotation and seals new ones under the new key", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "rm-keys-"));
    const file = path.join(dir, "master.key");
    const before = loadKeyring({ keysFromEnv: undefined, keyFile: file });
    const old = sealSecret(before, "old secret", CONTEXT);

    const newId = rotateKeyFile(file);
    const after = loadKeyring({ keysFromEnv: undefined, keyFile: file });
    expect(after.current.id).toBe(newId);
    expect(openSecret(after, old, CONTEXT)).toBe("old secret");
    expect(needsResealing(after, old)).toBe(true);
    const fresh = sealSecret(after, "new secret", CONTEXT);
    expect(needsResealing(after, fresh)).toBe(false);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});

describe("master key loading", () => {
  it("generates a 0600 key file on first start and reads the same key back", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "rm-keys-"));
    const file = path.join(dir, "nested", "master.key");
    let generated = "";
    const first = loadKeyring({
      keysFromEnv: undefined,
      keyFile: file,
      onGenerated: (f) => (generated = f),
    });
    expect(generated).toBe(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const second = loadKeyring({
      keysFromEnv: undefined,
      keyFile: file,
      onGenerated: () => {
        throw new Error("must not generate twice");
      },
    });
    expect(second.current.id).toBe(first.current.id);
  });

  it("warns about a key file others can read", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "rm-keys-"));
    const file = path.join(dir, "master.key");
    writeFileSync(file, `${generateMasterKey().key.toString("base64")}\n`, { mode: 0o644 });
    let loose = 0;
    loadKeyring({
      keysFromEnv: undefined,
      keyFile: file,
      onLooseMode: (_f, mode) => (loose = mode),
    });
    expect(loose).toBe(0o644);
  });

  it("takes keys from the environment, newest first, and rejects malformed ones clearly", () => {
    const a = generateMasterKey();
    const b = generateMasterKey();
    const keyring = loadKeyring({
      keysFromEnv: [a.key.toString("base64"), b.key.toString("base64")],
      keyFile: "/nonexistent/never-created",
    });
    expect(keyring.current.id).toBe(a.id);
    expect(keyring.find(b.id)).toBeDefined();
    expect(() => loadKeyring({ keysFromEnv: ["c2hvcnQ="], keyFile: "/x" })).toThrow(KeyringError);
    expect(() => loadKeyring({ keysFromEnv: ["c2hvcnQ="], keyFile: "/x" })).toThrow(
      /RM_MASTER_KEY/,
    );
  });

  it("refuses a key file with a corrupt line instead of starting with the wrong key", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "rm-keys-"));
    const file = path.join(dir, "master.key");
    writeFileSync(file, "# comment\nnot-a-key\n", { mode: 0o600 });
    expect(() => loadKeyring({ keysFromEnv: undefined, keyFile: file })).toThrow(
      /base64-encoded 32-byte/,
    );
    expect(readFileSync(file, "utf8")).toContain("not-a-key"); // untouched
  });
});
