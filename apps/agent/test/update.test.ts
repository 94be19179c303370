import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Log } from "../src/log.js";
import type { AgentJob, ExecutionHooks } from "../src/runner.js";
import { cannotReplace, createUpdateExecutor, type UpdateSeams } from "../src/update.js";

const silent: Log = { info() {}, warn() {}, error() {}, failure: null };

const job: AgentJob = {
  id: "job-1",
  params: { kind: "agent-update", version: "2.0.0", sha256: "a".repeat(64), size: 10 },
  repository: null,
};

function hooks(): ExecutionHooks & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    signal: new AbortController().signal,
    onProgress() {},
    onLog: (_stream, line) => lines.push(line),
  };
}

/** Seams around a bundle file in a scratch folder; the link and spawn are never reached here. */
function seams(overrides: Partial<UpdateSeams> = {}): UpdateSeams & { suspended: number } {
  const folder = mkdtempSync(path.join(tmpdir(), "rm-update-unit-"));
  const bundlePath = path.join(folder, "agent.mjs");
  writeFileSync(bundlePath, "// the running agent\n");
  const result = {
    suspended: 0,
    serverUrl: () => "http://127.0.0.1:9",
    log: silent,
    version: "1.0.0",
    bundlePath,
    args: ["run"],
    trialMs: 1000,
    otherJobs: () => 0,
    suspend: async () => {
      result.suspended += 1;
    },
    resume: () => undefined,
    becomeWaiter: () => undefined,
    ...overrides,
  };
  return result;
}

describe("the agent's self-update refusals (no server: each is decided before any download)", () => {
  it("refuses when the agent runs from source", () => {
    expect(cannotReplace("/src/apps/agent/src/main.ts", "dev")).toContain(
      "runs from source (/src/apps/agent/src/main.ts)",
    );
  });

  it("refuses when the bundle's folder does not exist or cannot be written", () => {
    expect(cannotReplace("/nonexistent/agent.mjs", "1.0.0")).toContain(
      "cannot be written (read-only, as in a container image): update the image",
    );
  });

  it("refuses while other jobs run, and leaves the running file alone", async () => {
    const s = seams({ otherJobs: () => 2 });
    const result = await createUpdateExecutor(s)(job, hooks());
    expect(result).toMatchObject({
      outcome: "failed",
      error: "2 other jobs are running; update when the agent is idle",
    });
    expect(s.suspended).toBe(0);
    expect(readFileSync(s.bundlePath, "utf8")).toBe("// the running agent\n");
  });

  it("refuses the version it already runs", async () => {
    const s = seams({ version: "2.0.0" });
    const result = await createUpdateExecutor(s)(job, hooks());
    expect(result.error).toBe("this agent already runs 2.0.0");
  });

  it("fails without changing anything when the server cannot be reached", async () => {
    const s = seams();
    const result = await createUpdateExecutor(s)(job, hooks());
    expect(result.outcome).toBe("failed");
    expect(result.error).toContain("could not download the agent");
    expect(s.suspended).toBe(0);
    expect(readFileSync(s.bundlePath, "utf8")).toBe("// the running agent\n");
  });
});
