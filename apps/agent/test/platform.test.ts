import type { TJobFinished } from "@restic-manager/contracts";
import { AGENT_LIMITS } from "@restic-manager/contracts";
import { describe, expect, it } from "vitest";
import { fitResult, reconnectDelayMs } from "../src/link.js";
import { agentOs, agentSocketUrl, defaultPaths } from "../src/platform.js";

describe("platform paths", () => {
  it("uses ProgramData on Windows (paths with backslashes; cannot run here, so unit-tested)", () => {
    const paths = defaultPaths({
      platform: "win32",
      env: { ProgramData: "D:\\ProgramData" },
      isRoot: false,
      homedir: "C:\\Users\\admin",
    });
    expect(paths).toEqual({
      configFile: "D:\\ProgramData\\restic-manager-agent\\agent.json",
      stateDir: "D:\\ProgramData\\restic-manager-agent\\state",
    });
    expect(
      defaultPaths({ platform: "win32", env: {}, isRoot: false, homedir: "" }).configFile,
    ).toBe("C:\\ProgramData\\restic-manager-agent\\agent.json");
    expect(agentOs("win32")).toBe("windows");
  });

  it("uses /etc and /var/lib as root on Linux, XDG directories otherwise", () => {
    expect(defaultPaths({ platform: "linux", env: {}, isRoot: true, homedir: "/root" })).toEqual({
      configFile: "/etc/restic-manager-agent/agent.json",
      stateDir: "/var/lib/restic-manager-agent",
    });
    expect(
      defaultPaths({
        platform: "linux",
        env: { XDG_CONFIG_HOME: "/cfg" },
        isRoot: false,
        homedir: "/home/u",
      }),
    ).toEqual({
      configFile: "/cfg/restic-manager-agent/agent.json",
      stateDir: "/home/u/.local/state/restic-manager-agent",
    });
  });

  it("derives the WebSocket address from the server URL", () => {
    expect(agentSocketUrl("http://localhost:8080")).toBe("ws://localhost:8080/agent/ws");
    expect(agentSocketUrl("https://example.org/backups/")).toBe(
      "wss://example.org/backups/agent/ws",
    );
  });
});

describe("reconnecting", () => {
  it("backs off exponentially up to a minute, with ±50 % jitter", () => {
    const low = (attempt: number) => reconnectDelayMs(attempt, () => 0);
    const high = (attempt: number) => reconnectDelayMs(attempt, () => 0.999_999);
    expect([0, 1, 2, 3].map(low)).toEqual([500, 1000, 2000, 4000]);
    expect(high(0)).toBe(1500);
    expect(low(20)).toBe(30_000);
    expect(high(20)).toBe(90_000);
  });
});

describe("results", () => {
  const base: TJobFinished = {
    jobId: "j",
    outcome: "succeeded",
    exitCode: 0,
    error: null,
    finishedAt: new Date(),
  };

  it("are sent whole when they fit in a message", () => {
    const result = { ...base, result: { kind: "unlock" as const, removedLocks: 2 } };
    expect(fitResult(result)).toBe(result);
  });

  it("are dropped, with a note, when they would not fit in one message", () => {
    const huge = "x".repeat(AGENT_LIMITS.maxMessageBytes);
    const result = {
      ...base,
      result: { kind: "cat-config" as const, version: 2, id: huge, chunkerPolynomial: "p" },
    } as unknown as TJobFinished;
    const fitted = fitResult(result);
    expect(fitted.result).toBeUndefined();
    expect(fitted.error).toMatch(/too large to send/);
    expect(fitted.outcome).toBe("succeeded");
  });
});
