import { describe, expect, it } from "vitest";
import { LoginThrottle } from "../src/auth/throttle.js";

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
