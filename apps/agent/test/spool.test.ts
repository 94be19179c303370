import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readAgentConfig, writeAgentConfig } from "../src/config.js";
import { Spool } from "../src/spool.js";

const finishedAt = new Date("2026-11-28T10:00:00Z");

describe("the spool", () => {
  it("keeps results across restarts until the server acknowledges them", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "rm-spool-"));
    const spool = new Spool(dir);
    spool.markRunning({ jobId: "j1", kind: "backup", startedAt: finishedAt });
    spool.saveResult({ jobId: "j1", outcome: "succeeded", exitCode: 0, error: null, finishedAt });

    const afterRestart = new Spool(dir);
    expect(afterRestart.pendingResults()).toEqual([
      { jobId: "j1", outcome: "succeeded", exitCode: 0, error: null, finishedAt },
    ]);
    expect(afterRestart.recoverInterrupted(new Date())).toEqual([]); // it had finished
    afterRestart.acknowledge("j1");
    expect(new Spool(dir).pendingResults()).toEqual([]);
  });

  it("turns jobs that were running when the agent stopped into failed results", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "rm-spool-"));
    new Spool(dir).markRunning({ jobId: "j2", kind: "backup", startedAt: finishedAt });
    const spool = new Spool(dir);
    const recovered = spool.recoverInterrupted(finishedAt);
    expect(recovered).toEqual([
      {
        jobId: "j2",
        outcome: "failed",
        exitCode: null,
        error: "the agent stopped while this job was running",
        finishedAt,
      },
    ]);
    expect(spool.pendingResults()).toEqual(recovered);
    expect(spool.recoverInterrupted(new Date())).toEqual([]);
  });

  it("still returns an interrupted job's failed result when it cannot write it, for the agent to hold", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "rm-spool-"));
    new Spool(dir).markRunning({ jobId: "j3", kind: "backup", startedAt: finishedAt });
    const spool = new Spool(dir);
    // Results can no longer be written (a file where the directory was: ENOTDIR).
    rmSync(path.join(dir, "spool", "results"), { recursive: true });
    writeFileSync(path.join(dir, "spool", "results"), "");
    expect(spool.recoverInterrupted(finishedAt).map((r) => [r.jobId, r.outcome])).toEqual([
      ["j3", "failed"],
    ]);
  });

  it("sets a damaged file aside instead of losing the others", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "rm-spool-"));
    const spool = new Spool(dir);
    spool.saveResult({ jobId: "good", outcome: "failed", exitCode: 1, error: "x", finishedAt });
    const results = path.join(dir, "spool", "results");
    writeFileSync(path.join(results, "bad.json"), "{ not json");
    expect(spool.pendingResults().map((r) => r.jobId)).toEqual(["good"]);
    expect(readdirSync(results).sort()).toEqual(["bad.json.damaged", "good.json"]);
  });

  it("refuses job ids that could escape its directory", () => {
    const spool = new Spool(mkdtempSync(path.join(tmpdir(), "rm-spool-")));
    expect(() =>
      spool.saveResult({
        jobId: "../../etc/x",
        outcome: "failed",
        exitCode: 1,
        error: null,
        finishedAt,
      }),
    ).toThrow(/unsafe job id/);
  });
});

describe("the agent config file", () => {
  it("is written 0600, atomically, and read back validated", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "rm-agentcfg-"));
    const file = path.join(dir, "nested", "agent.json");
    const config = {
      serverUrl: "https://backup.example.org",
      hostId: "h1",
      hostName: "web1",
      credential: "rma_abc",
      stateDir: path.join(dir, "state"),
    };
    writeAgentConfig(file, config);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readAgentConfig(file)).toEqual(config);
    expect(existsSync(`${file}.${process.pid}.tmp`)).toBe(false);

    writeFileSync(file, JSON.stringify({ ...config, serverUrl: "ftp://x" }));
    expect(() => readAgentConfig(file)).toThrow(/serverUrl/);
    expect(() => readAgentConfig(path.join(dir, "missing.json"))).toThrow(/run `enroll` first/);
  });
});
