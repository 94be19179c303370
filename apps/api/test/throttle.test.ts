import { describe, expect, it } from "vitest";
import { LoginThrottle, type ThrottleChange, throttleKeyDigest } from "../src/auth/throttle.js";

describe("LoginThrottle with a fake clock", () => {
  const rule = { allowed: 3, windowMs: 60_000, baseLockMs: 1_000, maxLockMs: 8_000 };

  it("allows the first failures, then locks for a doubling time up to the cap", () => {
    let now = 0;
    const throttle = new LoginThrottle(rule, () => now);
    for (let i = 0; i < 3; i++) throttle.recordFailure("alice");
    expect(throttle.retryAfterMs("alice")).toBe(0);

    const locks: number[] = [];
    for (let i = 0; i < 5; i++) {
      throttle.recordFailure("alice");
      locks.push(throttle.retryAfterMs("alice"));
    }
    expect(locks).toEqual([1_000, 2_000, 4_000, 8_000, 8_000]);

    now += 8_000;
    expect(throttle.retryAfterMs("alice")).toBe(0);
    expect(throttle.retryAfterMs("bob")).toBe(0);
  });

  it("forgets failures outside the window and after a success", () => {
    let now = 0;
    const throttle = new LoginThrottle(rule, () => now);
    for (let i = 0; i < 3; i++) throttle.recordFailure("alice");
    now += 61_000;
    throttle.recordFailure("alice");
    expect(throttle.retryAfterMs("alice")).toBe(0);

    for (let i = 0; i < 3; i++) throttle.recordFailure("bob");
    throttle.recordSuccess("bob");
    throttle.recordFailure("bob");
    expect(throttle.retryAfterMs("bob")).toBe(0);
  });
});

describe("LoginThrottles of two replicas joined by their relay, with a fake clock", () => {
  const rule = { allowed: 3, windowMs: 60_000, baseLockMs: 1_000, maxLockMs: 8_000 };

  function pair() {
    let now = 0;
    const a = new LoginThrottle(rule, () => now);
    const b = new LoginThrottle(rule, () => now);
    const told: ThrottleChange[] = [];
    a.relay = (change) => {
      told.push(change);
      b.apply(change);
    };
    b.relay = (change) => {
      told.push(change);
      a.apply(change);
    };
    return { a, b, told, advance: (ms: number) => (now += ms) };
  }

  it("counts failures made through either, and locks both once the allowance is spent", () => {
    const { a, b } = pair();
    a.recordFailure("alice");
    b.recordFailure("alice");
    a.recordFailure("alice");
    expect(a.retryAfterMs("alice")).toBe(0);
    b.recordFailure("alice");
    expect(a.retryAfterMs("alice")).toBe(1_000);
    expect(b.retryAfterMs("alice")).toBe(1_000);
  });

  it("clears on a success through the other, and takes back a forgiven failure on both", () => {
    const { a, b } = pair();
    for (let i = 0; i < 4; i++) a.recordFailure("alice");
    expect(b.retryAfterMs("alice")).toBe(1_000);
    b.recordSuccess("alice");
    expect(a.retryAfterMs("alice")).toBe(0);

    for (let i = 0; i < 4; i++) b.recordFailure("10.0.0.1");
    a.forgiveLatest("10.0.0.1");
    expect(a.retryAfterMs("10.0.0.1")).toBe(0);
    expect(b.retryAfterMs("10.0.0.1")).toBe(0);
  });

  it("tells digests of the keys, never the names people typed, and does not echo what it applies", () => {
    const { a, told } = pair();
    a.recordFailure("correct horse battery staple");
    expect(told).toEqual([
      { op: "failure", keyDigest: throttleKeyDigest("correct horse battery staple") },
    ]);
    expect(JSON.stringify(told)).not.toContain("horse");
  });
});
