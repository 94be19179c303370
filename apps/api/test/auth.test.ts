import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { hashPassword, verifyPassword } from "../src/auth/password.js";
import { codeOf, createWorld, errorOf, jarOf, PASSWORD, type World } from "./support/world.js";

describe("password hashing", () => {
  it("uses Argon2id with a memory-hard cost and verifies only the right password", async () => {
    const hash = await hashPassword(PASSWORD);
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword(hash, PASSWORD)).toBe(true);
    expect(await verifyPassword(hash, `${PASSWORD}!`)).toBe(false);
    expect(await hashPassword(PASSWORD)).not.toBe(hash); // salted
  });
});

describe("first-run set-up and sign-in", () => {
  let world: World;
  beforeEach(async () => {
    world = await createWorld();
  });
  afterEach(() => world.close());

  it("offers set-up once, then never again", async () => {
    const browser = world.client();
    expect(await browser.auth.status.query()).toEqual({ needsSetup: true, user: null });
    const { user } = await browser.auth.setup.mutate({ username: "root", password: PASSWORD });
    expect(user.role).toBe("admin");
    expect((await browser.auth.status.query()).user?.username).toBe("root");

    const intruder = world.client();
    const error = await errorOf(
      intruder.auth.setup.mutate({ username: "evil", password: PASSWORD }),
    );
    expect(error.data?.code).toBe("CONFLICT");
    expect(await world.server.deps.db.user.count()).toBe(1);
  });

  it("sets an httpOnly, SameSite=Strict session cookie on sign-in", async () => {
    await world.addUser("alice", "operator");
    const browser = await world.signIn("alice");
    const [cookie] = jarOf(browser).setCookies;
    expect(cookie).toMatch(/^rm_session=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(await browser.auth.status.query()).toMatchObject({
      needsSetup: false,
      user: { username: "alice", role: "operator" },
    });
    const audit = await world.server.deps.db.auditEvent.findMany({
      where: { action: "auth.login" },
    });
    expect(audit).toHaveLength(1);
    expect(audit[0]?.targetName).toBe("alice");
  });

  it("refuses a wrong password and an unknown user alike, writes no session and audits both", async () => {
    await world.addUser("alice", "admin");
    const wrong = await errorOf(
      world.client().auth.login.mutate({ username: "alice", password: "not the password" }),
    );
    const unknown = await errorOf(
      world.client().auth.login.mutate({ username: "mallory", password: PASSWORD }),
    );
    expect(wrong.data?.code).toBe("UNAUTHORIZED");
    expect(unknown.data?.code).toBe("UNAUTHORIZED");
    expect(wrong.message).toBe(unknown.message);
    expect(await world.server.deps.db.session.count()).toBe(0);
    const failures = await world.server.deps.db.auditEvent.findMany({
      where: { action: "auth.login_failed" },
      orderBy: { at: "asc" },
    });
    expect(failures.map((f) => [f.actorName, f.outcome])).toEqual([
      ["alice", "failure"],
      ["mallory", "failure"],
    ]);
    // The attempted password is never recorded anywhere.
    expect(JSON.stringify(failures)).not.toContain("not the password");
    expect(world.logs.join("")).not.toContain("not the password");
  });

  it("refuses a disabled account with the same message", async () => {
    const { id } = await world.addUser("bob", "viewer");
    await world.server.deps.db.user.update({ where: { id }, data: { disabled: true } });
    expect(
      await codeOf(world.client().auth.login.mutate({ username: "bob", password: PASSWORD })),
    ).toBe("UNAUTHORIZED");
  });

  it("rejects malformed input with field errors and writes nothing", async () => {
    const error = await errorOf(
      world.client().auth.setup.mutate({ username: "a b", password: "short" }),
    );
    expect(error.data?.code).toBe("BAD_REQUEST");
    expect(error.data?.fieldErrors).toMatchObject({
      username: [expect.stringContaining("letters")],
      password: [expect.stringContaining("at least 12")],
    });
    expect(await world.server.deps.db.user.count()).toBe(0);
  });
});

describe("login throttling", () => {
  let world: World;
  beforeEach(async () => {
    world = await createWorld();
    await world.addUser("alice", "admin");
  });
  afterEach(() => world.close());

  it("locks an account after repeated failures, even against the right password", async () => {
    const browser = world.client();
    for (let i = 0; i < 5; i++) {
      expect(
        await codeOf(browser.auth.login.mutate({ username: "alice", password: `guess-${i}` })),
      ).toBe("UNAUTHORIZED");
    }
    // The sixth failure starts the lockout.
    await codeOf(browser.auth.login.mutate({ username: "alice", password: "guess-5" }));
    const locked = await errorOf(
      browser.auth.login.mutate({ username: "alice", password: PASSWORD }),
    );
    expect(locked.data?.code).toBe("TOO_MANY_REQUESTS");
    expect(locked.data?.retryAfterSeconds).toBeGreaterThan(0);
    expect(await world.server.deps.db.session.count()).toBe(0);
    expect(
      await world.server.deps.db.auditEvent.count({ where: { action: "auth.login_throttled" } }),
    ).toBe(1);
  });

  it("locks a client address that guesses across many accounts", async () => {
    await world.addUser("carol", "viewer");
    const browser = world.client();
    for (let i = 0; i < 21; i++) {
      await codeOf(browser.auth.login.mutate({ username: `user${i}`, password: PASSWORD }));
    }
    // carol never failed, but this address has.
    expect(await codeOf(browser.auth.login.mutate({ username: "carol", password: PASSWORD }))).toBe(
      "TOO_MANY_REQUESTS",
    );
  });
});
