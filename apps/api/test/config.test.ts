import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.js";

function errorFor(env: Record<string, string>): string {
  try {
    loadConfig(env, "/srv/rm");
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("configuration", () => {
  it("has working defaults under the data directory", () => {
    const config = loadConfig({}, "/srv/rm");
    expect(config).toMatchObject({
      port: 8080,
      host: "0.0.0.0",
      dataDir: "/srv/rm/data",
      databasePath: "/srv/rm/data/restic-manager.db",
      masterKeyFile: "/srv/rm/data/master.key",
      publicUrl: "http://localhost:8080",
      logLevel: "info",
      sessionTtlSeconds: 12 * 3600,
      masterKeysFromEnv: undefined,
    });
  });

  it("reads every setting", () => {
    const config = loadConfig(
      {
        RM_PORT: "9000",
        RM_DATA_DIR: "/var/lib/rm",
        RM_DATABASE_PATH: "db/custom.db",
        RM_PUBLIC_URL: "https://backup.example.org/",
        RM_MASTER_KEY_FILE: "/etc/rm/key",
        RM_LOG_LEVEL: "debug",
        RM_SESSION_TTL: "7d",
      },
      "/srv/rm",
    );
    expect(config).toMatchObject({
      port: 9000,
      dataDir: "/var/lib/rm",
      databasePath: "/srv/rm/db/custom.db",
      publicUrl: "https://backup.example.org",
      masterKeyFile: "/etc/rm/key",
      logLevel: "debug",
      sessionTtlSeconds: 7 * 86_400,
    });
  });

  it.each([
    [{ RM_PORT: "http" }, "RM_PORT"],
    [{ RM_PORT: "70000" }, "RM_PORT"],
    [{ RM_PUBLIC_URL: "ftp://x" }, "RM_PUBLIC_URL"],
    [{ RM_PUBLIC_URL: "not a url" }, "RM_PUBLIC_URL"],
    [{ RM_LOG_LEVEL: "loud" }, "RM_LOG_LEVEL"],
    [{ RM_SESSION_TTL: "5y" }, "RM_SESSION_TTL"],
    [{ RM_SESSION_TTL: "10s" }, "RM_SESSION_TTL"],
  ])("names the bad setting in one line: %o", (env, setting) => {
    const message = errorFor(env);
    expect(message.startsWith(`Invalid configuration: ${setting} `)).toBe(true);
    expect(message).not.toContain("\n");
  });
  it("reads the proxies to trust and the lock wait, and refuses what would trust anyone", () => {
    expect(loadConfig({}, "/srv/rm")).toMatchObject({ trustProxy: false, lockWaitSeconds: 1800 });
    expect(loadConfig({ RM_TRUST_PROXY: "1", RM_LOCK_WAIT: "0s" }, "/srv/rm")).toMatchObject({
      trustProxy: 1,
      lockWaitSeconds: 0,
    });
    expect(
      loadConfig({ RM_TRUST_PROXY: "loopback, 10.0.0.0/8,::1", RM_LOCK_WAIT: "2h" }, "/srv/rm"),
    ).toMatchObject({ trustProxy: ["loopback", "10.0.0.0/8", "::1"], lockWaitSeconds: 7200 });
    expect(errorFor({ RM_TRUST_PROXY: "true" })).toMatch(/^Invalid configuration: RM_TRUST_PROXY/);
    expect(errorFor({ RM_TRUST_PROXY: "10.0.0.0/33" })).toMatch(/RM_TRUST_PROXY/);
    expect(errorFor({ RM_TRUST_PROXY: "proxy.example.org" })).toMatch(/RM_TRUST_PROXY/);
    expect(errorFor({ RM_LOCK_WAIT: "2d" })).toMatch(/RM_LOCK_WAIT must be a duration up to 24h/);
  });
});

describe("RM_SERVE_SOURCE_MAPS", () => {
  it("keeps the web app's source maps private unless set to true", () => {
    expect(loadConfig({}, "/srv/rm").serveSourceMaps).toBe(false);
    expect(loadConfig({ RM_SERVE_SOURCE_MAPS: "false" }, "/srv/rm").serveSourceMaps).toBe(false);
    expect(loadConfig({ RM_SERVE_SOURCE_MAPS: "true" }, "/srv/rm").serveSourceMaps).toBe(true);
    expect(errorFor({ RM_SERVE_SOURCE_MAPS: "yes" })).toBe(
      "Invalid configuration: RM_SERVE_SOURCE_MAPS must be true or false",
    );
  });
});
