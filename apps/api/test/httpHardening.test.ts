import { once } from "node:events";
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { afterEach, describe, expect, inject, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { createLogger } from "../src/logger.js";
import { type RunningServer, startServer } from "../src/server.js";
import { createWorld, jarOf, PASSWORD, type World } from "./support/world.js";

const EVIL = "https://evil.example";

type RequestBody = NonNullable<RequestInit["body"]>;

/** A POST to a tRPC procedure with the given body and headers, as a browser or script sends it. */
function post(world: World, procedure: string, body: RequestBody, headers: Record<string, string>) {
  return fetch(`${world.server.url}/trpc/${procedure}`, { method: "POST", headers, body });
}

/** A user-creating call in tRPC's JSON envelope (superjson: `{ json: input }`). */
function newUserJson(username: string) {
  return JSON.stringify({ json: { username, password: PASSWORD, role: "admin" } });
}

async function signedInAdmin(world: World): Promise<string> {
  await world.addUser("root", "admin");
  const cookie = jarOf(await world.signIn("root")).cookie;
  if (!cookie) throw new Error("sign-in set no cookie");
  return cookie;
}

async function usernames(world: World): Promise<string[]> {
  const users = await world.server.deps.db.user.findMany({ orderBy: { username: "asc" } });
  return users.map((user) => user.username);
}

describe("cross-site requests to /trpc", () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it("answers 415 to form-encoded, multipart and text/plain bodies and runs nothing", async () => {
    world = await createWorld();
    const cookie = await signedInAdmin(world);
    const form = new FormData();
    form.set("username", "mallory");
    form.set("password", PASSWORD);
    form.set("role", "admin");
    const bodies: RequestBody[] = [
      new URLSearchParams({ username: "mallory", password: PASSWORD, role: "admin" }),
      form,
      new Blob([newUserJson("mallory")], { type: "text/plain" }),
    ];
    for (const body of bodies) {
      const response = await post(world, "users.create", body, { cookie });
      expect(response.status).toBe(415);
      expect(response.headers.get("content-type")).toContain("application/json");
      expect(await response.json()).toMatchObject({
        error: {
          code: "UNSUPPORTED_MEDIA_TYPE",
          message: expect.stringMatching(/application\/json/),
        },
      });
    }
    expect(await usernames(world)).toEqual(["root"]);
  });

  it("does not run a mutation without input from a cross-site multipart form", async () => {
    world = await createWorld();
    const cookie = await signedInAdmin(world);
    const response = await post(world, "auth.revokeAllSessions", new FormData(), { cookie });
    expect(response.status).toBe(415);
    const sessions = await world.server.deps.db.session.findMany();
    expect(sessions.filter((session) => session.revokedAt === null)).toHaveLength(1);
    const status = await world.client({ cookie }).auth.status.query();
    expect(status.user?.username).toBe("root");
  });

  it("refuses a JSON mutation with the session cookie from another origin or site", async () => {
    world = await createWorld();
    const cookie = await signedInAdmin(world);
    const json = { cookie, "content-type": "application/json" };
    const refusals = [
      { ...json, origin: EVIL },
      { ...json, origin: "null" },
      { ...json, "sec-fetch-site": "cross-site" },
      { ...json, "sec-fetch-site": "same-site" },
      { ...json, origin: world.server.url, "sec-fetch-site": "cross-site" },
    ];
    for (const headers of refusals) {
      const response = await post(world, "users.create", newUserJson("mallory"), headers);
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({
        error: { code: "FORBIDDEN", message: expect.stringMatching(/cross-site/) },
      });
    }
    expect(await usernames(world)).toEqual(["root"]);
  });

  it("runs a JSON mutation from the server's own origin: the address it was sent to or the public URL", async () => {
    world = await createWorld({ RM_PUBLIC_URL: "https://backup.example.org/" });
    const cookie = await signedInAdmin(world);
    const json = { cookie, "content-type": "application/json" };
    const accepted = [
      { ...json, origin: world.server.url, "sec-fetch-site": "same-origin" },
      { ...json, origin: "https://backup.example.org" },
      { ...json, "sec-fetch-site": "none" },
      json,
    ];
    for (const [index, headers] of accepted.entries()) {
      const response = await post(world, "users.create", newUserJson(`user${index}`), headers);
      expect(response.status).toBe(200);
    }
    expect(await usernames(world)).toEqual(["root", "user0", "user1", "user2", "user3"]);
  });

  it("behind a trusted proxy, takes the protocol the client used from X-Forwarded-Proto", async () => {
    world = await createWorld({ RM_TRUST_PROXY: "loopback" });
    const cookie = await signedInAdmin(world);
    const httpsOrigin = world.server.url.replace("http:", "https:");
    const viaProxy = {
      cookie,
      "content-type": "application/json",
      origin: httpsOrigin,
      "x-forwarded-proto": "https",
    };
    expect((await post(world, "users.create", newUserJson("alice"), viaProxy)).status).toBe(200);
    const plain = { ...viaProxy, "x-forwarded-proto": "http" };
    expect((await post(world, "users.create", newUserJson("bob"), plain)).status).toBe(403);
    expect(await usernames(world)).toEqual(["alice", "root"]);
  });

  it("lets a script with an API token call mutations without an Origin", async () => {
    world = await createWorld();
    const admin = world.client({ cookie: await signedInAdmin(world) });
    const { token } = await admin.apiTokens.create.mutate({ name: "provisioning", role: "admin" });
    const bearer = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    expect((await post(world, "users.create", newUserJson("alice"), bearer)).status).toBe(200);
    // The Origin check protects cookies; a token is never sent by a browser on its own.
    const fromPage = { ...bearer, origin: EVIL };
    expect((await post(world, "users.create", newUserJson("bob"), fromPage)).status).toBe(200);
    // A token does not make a form body acceptable.
    const form = new URLSearchParams({ username: "carol", password: PASSWORD, role: "admin" });
    const formPost = { authorization: `Bearer ${token}` };
    expect((await post(world, "users.create", form, formPost)).status).toBe(415);
    expect(await usernames(world)).toEqual(["alice", "bob", "root"]);
  });
});

describe("security headers", () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it("over plain http: no HSTS, and the page may connect to its own origin only", async () => {
    world = await createWorld();
    const response = await fetch(`${world.server.url}/healthz`, {
      headers: { "x-forwarded-proto": "https" },
    });
    expect(response.headers.get("strict-transport-security")).toBeNull();
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("connect-src 'self';");
    expect(csp).not.toMatch(/wss?:/);
  });

  it("sends HSTS when a trusted proxy says the request came over https", async () => {
    world = await createWorld({ RM_TRUST_PROXY: "loopback" });
    const viaHttps = await fetch(`${world.server.url}/healthz`, {
      headers: { "x-forwarded-proto": "https" },
    });
    expect(viaHttps.headers.get("strict-transport-security")).toBe(
      "max-age=31536000; includeSubDomains",
    );
    const viaHttp = await fetch(`${world.server.url}/healthz`);
    expect(viaHttp.headers.get("strict-transport-security")).toBeNull();
  });

  it("sends HSTS when the public URL is https", async () => {
    world = await createWorld({ RM_PUBLIC_URL: "https://backup.example.org" });
    const response = await fetch(`${world.server.url}/healthz`);
    expect(response.headers.get("strict-transport-security")).toBe(
      "max-age=31536000; includeSubDomains",
    );
  });
});

describe("source maps of the web app", () => {
  let world: World | undefined;
  let webDir: string | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
    if (webDir) rmSync(webDir, { recursive: true, force: true });
  });

  function builtWebApp(): string {
    const dir = mkdtempSync(path.join(tmpdir(), "rm-web-"));
    mkdirSync(path.join(dir, "assets"));
    writeFileSync(path.join(dir, "index.html"), "<!doctype html><title>rm</title>");
    writeFileSync(path.join(dir, "assets/app.js"), "//# sourceMappingURL=app.js.map\n");
    writeFileSync(path.join(dir, "assets/app.js.map"), '{"version":3}');
    return dir;
  }

  it("are not served by default", async () => {
    webDir = builtWebApp();
    world = await createWorld({ RM_WEB_DIR: webDir });
    expect((await fetch(`${world.server.url}/assets/app.js`)).status).toBe(200);
    const map = await fetch(`${world.server.url}/assets/app.js.map`);
    expect(map.status).toBe(404);
    expect(await map.text()).not.toContain("version");
    expect((await fetch(`${world.server.url}/nowhere.js.map`)).status).toBe(404);
  });

  it("are served with RM_SERVE_SOURCE_MAPS=true", async () => {
    webDir = builtWebApp();
    world = await createWorld({ RM_WEB_DIR: webDir, RM_SERVE_SOURCE_MAPS: "true" });
    const map = await fetch(`${world.server.url}/assets/app.js.map`);
    expect(map.status).toBe(200);
    expect(await map.json()).toEqual({ version: 3 });
  });
});

describe("files in the data directory", () => {
  let server: RunningServer | undefined;
  let dataDir: string | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const modeOf = (file: string) => statSync(file).mode & 0o777;

  it("are the service user's alone, even when the directory and database came with looser modes", async () => {
    // As `prisma migrate deploy` leaves them before the first start: the default umask.
    dataDir = mkdtempSync(path.join(tmpdir(), "rm-modes-"));
    chmodSync(dataDir, 0o755);
    const database = path.join(dataDir, "restic-manager.db");
    copyFileSync(inject("templateDatabase"), database);
    chmodSync(database, 0o644);
    const quiet = new Writable({ write: (_chunk, _encoding, done) => done() });
    const config = loadConfig({ RM_DATA_DIR: dataDir, RM_PORT: "0", RM_HOST: "127.0.0.1" });
    server = await startServer(config, createLogger("info", quiet));
    // A write, so that SQLite has made its write-ahead log and shared-memory index.
    await server.deps.db.auditEvent.count();
    await server.deps.db.$executeRawUnsafe("CREATE TABLE mode_probe (id INTEGER)");

    expect(modeOf(dataDir).toString(8)).toBe("700");
    for (const file of [database, `${database}-wal`, `${database}-shm`]) {
      expect({ file: path.basename(file), mode: modeOf(file).toString(8) }).toEqual({
        file: path.basename(file),
        mode: "600",
      });
    }
    for (const file of ["master.key", "server.pid", "server.lock"]) {
      expect({ file, mode: modeOf(path.join(dataDir, file)).toString(8) }).toEqual({
        file,
        mode: "600",
      });
    }
  });
});

describe("request bodies that never finish", () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it("a body dripped past the deadline closes its socket; a complete one is answered", async () => {
    world = await createWorld();
    const { port } = world.server;
    const socket = connect(port, "127.0.0.1");
    await once(socket, "connect");
    const closed = once(socket, "close");
    const started = Date.now();
    socket.write(
      "POST /trpc/auth.login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{",
    );
    await closed; // the test world's deadline is 2 s; without it, this waits for ever
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    const answered = await fetch(`${world.server.url}/healthz`);
    expect(answered.status).toBe(200);
  });
});
