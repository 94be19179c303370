import { describe, expect, it } from "vitest";
import { type ActiveJob, ActiveJobs } from "../src/jobs/activeJobs.js";

function job(id: string, hostId: string, state: ActiveJob["state"], repositoryId = "repo1") {
  return {
    id,
    hostId,
    kind: "check",
    repositoryId,
    backupSetId: null,
    scheduleId: null,
    state,
    createdAt: new Date(0),
    startedAt: null,
    cancelRequested: false,
  };
}

describe("the jobs the server keeps in memory", () => {
  it("files queued and sent jobs per host, and drops a job when it ends", () => {
    const active = new ActiveJobs();
    active.track(job("a", "h1", "queued"));
    active.track(job("b", "h1", "running"));
    expect(active.hasQueued("h1")).toBe(true);
    expect(active.pendingOf("h1").map((j) => j.id)).toEqual(["a"]);
    expect(active.hostsQueuedOn("repo1")).toEqual(["h1"]);
    active.drop("a");
    expect(active.hasPending("h1")).toBe(false);
    expect(active.get("b")?.state).toBe("running");
  });

  it("forgets every job of a deleted host, and only that host's", () => {
    const active = new ActiveJobs();
    active.track(job("a", "h1", "queued"));
    active.track(job("b", "h1", "running"));
    active.track(job("c", "h2", "queued"));
    active.forgetHost("h1");
    expect(active.get("a")).toBeUndefined();
    expect(active.get("b")).toBeUndefined();
    expect(active.hasPending("h1")).toBe(false);
    expect(active.hostsQueuedOn("repo1")).toEqual(["h2"]);
    expect(active.size).toBe(1);
  });
});
