import { SignJWT } from "jose";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SessionTokens } from "../src/auth/sessionToken.js";
import { generateMasterKey, Keyring } from "../src/secrets/keyring.js";
import { codeOf, createWorld, jarOf, PASSWORD, type World } from "./support/world.js";

describe("sessions", () => {
  let world: World;
  beforeEach(async () => {
    world = await createWorld();
    await world.addUser("alice", "admin");
  });
  afterEach(() => world.close());

  it("ends at logout: the same cookie no longer works", async () => {
    const browser = await world.signIn("alice");
    const cookie = jarOf(browser).cookie;
    await browser.auth.logout.mutate();
    expect(jarOf(browser).setCookies.at(-1)).toMatch(/^rm_session=;/);

    const replay = world.client({ cookie });
    expect((await replay.auth.status.query()).user).toBeNull();
    expect(await codeOf(replay.users.list.query())).toBe("UNAUTHORIZED");
    const session = await world.server.deps.db.session.findFirstOrThrow();
    expect(session.revokedAt).not.toBeNull();
  });

  it("'sign out everywhere' ends every session of that user only", async () => {
    await world.addUser("bob", "viewer");
    const laptop = await world.signIn("alice");
    const phone = await world.signIn("alice");
    const bob = await world.signIn("bob");
    expect((await laptop.auth.sessions.query()).filter((s) => s.current)).toHaveLength(1);

    expect(await laptop.auth.revokeAllSessions.mutate()).toEqual({ revoked: 2 });
    expect(await codeOf(laptop.auth.sessions.query())).toBe("UNAUTHORIZED");
    expect(await codeOf(phone.auth.sessions.query())).toBe("UNAUTHORIZED");
    expect(await codeOf(bob.auth.sessions.query())).toBe("OK");
    expect(
      await world.server.deps.db.auditEvent.count({ where: { action: "auth.sessions_revoked" } }),
    ).toBe(1);
  });

  it("an admin can end another user's sessions", async () => {
    const { id } = await world.addUser("bob", "viewer");
    const bob = await world.signIn("bob");
    const admin = await world.signIn("alice");
    expect(await admin.users.revokeSessions.mutate({ id })).toEqual({ revoked: 1 });
    expect(await codeOf(bob.auth.sessions.query())).toBe("UNAUTHORIZED");
  });

  it("a password change keeps this session and ends the others", async () => {
    const here = await world.signIn("alice");
    const elsewhere = await world.signIn("alice");
    const newPassword = "an entirely new passphrase";
    expect(
      await codeOf(here.auth.changePassword.mutate({ currentPassword: "wrong", newPassword })),
    ).toBe("BAD_REQUEST");
    await here.auth.changePassword.mutate({ currentPassword: PASSWORD, newPassword });
    expect(await codeOf(here.auth.sessions.query())).toBe("OK");
    expect(await codeOf(elsewhere.auth.sessions.query())).toBe("UNAUTHORIZED");
    expect(await codeOf(world.signIn("alice", PASSWORD))).toBe("UNAUTHORIZED");
    expect(await codeOf(world.signIn("alice", newPassword))).toBe("OK");
  });

  it("disabling a user ends their sessions at once", async () => {
    const { id } = await world.addUser("bob", "operator");
    const bob = await world.signIn("bob");
    const admin = await world.signIn("alice");
    await admin.users.update.mutate({ id, disabled: true });
    expect(await codeOf(bob.auth.sessions.query())).toBe("UNAUTHORIZED");
  });

  it("refuses a forged, tampered or foreign-key cookie", async () => {
    const browser = await world.signIn("alice");
    const cookie = jarOf(browser).cookie ?? "";
    const [name, jwt = ""] = cookie.split("=");
    const [header, payload, signature = ""] = jwt.split(".");

    const flipped = `${signature.slice(0, -2)}${signature.endsWith("A") ? "B" : "A"}${signature.slice(-1)}`;
    const tampered = `${name}=${header}.${payload}.${flipped}`;
    expect(await codeOf(world.client({ cookie: tampered }).auth.sessions.query())).toBe(
      "UNAUTHORIZED",
    );

    // A well-formed token for the same session, signed with a key the server does not hold.
    const session = await world.server.deps.db.session.findFirstOrThrow();
    const foreign = await new SessionTokens(new Keyring([generateMasterKey()])).sign(
      { sessionId: session.id, userId: session.userId },
      session.expiresAt,
    );
    expect(
      await codeOf(world.client({ cookie: `rm_session=${foreign}` }).auth.sessions.query()),
    ).toBe("UNAUTHORIZED");

    // "alg: none" and friends.
    const unsigned = `${Buffer.from('{"alg":"none"}').toString("base64url")}.${payload}.`;
    expect(
      await codeOf(world.client({ cookie: `rm_session=${unsigned}` }).auth.sessions.query()),
    ).toBe("UNAUTHORIZED");
    const hs = await new SignJWT({ jti: session.id, sub: session.userId })
      .setProtectedHeader({ alg: "HS256", kid: world.server.deps.keyring.current.id })
      .sign(Buffer.alloc(32));
    expect(await codeOf(world.client({ cookie: `rm_session=${hs}` }).auth.sessions.query())).toBe(
      "UNAUTHORIZED",
    );
  });

  it("refuses a session past its expiry even with a valid signature", async () => {
    const browser = await world.signIn("alice");
    await world.server.deps.db.session.updateMany({
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    expect(await codeOf(browser.auth.sessions.query())).toBe("UNAUTHORIZED");
  });
});

describe("session lifetime setting", () => {
  it("sets the cookie and the session row to RM_SESSION_TTL", async () => {
    const world = await createWorld({ RM_SESSION_TTL: "30m" });
    try {
      await world.addUser("alice", "viewer");
      const started = Date.now();
      await world.signIn("alice");
      const session = await world.server.deps.db.session.findFirstOrThrow();
      const ttl = session.expiresAt.getTime() - started;
      expect(ttl).toBeGreaterThan(29 * 60_000);
      expect(ttl).toBeLessThanOrEqual(30 * 60_000 + 1000);
    } finally {
      await world.close();
    }
  });
});
