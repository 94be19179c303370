import type { TFleetEvent } from "@restic-manager/contracts";
import { QueryClient } from "@tanstack/react-query";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  changesJobLists,
  endsBackup,
  patchHost,
  patchJob,
  ThrottledInvalidation,
} from "../src/lib/fleetCache";

const HOSTS = [["hosts", "list"]];
const host = (id: string, online: boolean) => ({ id, online, lastSeenAt: null, name: id });
const job = (id: string, state: string) => ({ id, state, kind: "backup" });
const at = new Date("2026-12-01T10:00:00Z");

function hostEvent(hostId: string, online: boolean): Extract<TFleetEvent, { type: "host" }> {
  return { type: "host", hostId, online, at };
}

function jobEvent(
  jobId: string,
  state: "queued" | "running" | "succeeded",
  created = false,
): Extract<TFleetEvent, { type: "job" }> {
  return { type: "job", jobId, state, created, at, exitCode: null, error: null };
}

describe("applying fleet events to the query cache", () => {
  it("sets a host's online flag in paged lists and in its detail", () => {
    const client = new QueryClient();
    const listKey = [["hosts", "list"], { input: { limit: 50 }, type: "infinite" }];
    const detailKey = [["hosts", "get"], { input: { id: "b" }, type: "query" }];
    client.setQueryData(listKey, {
      pages: [{ items: [host("a", true)], nextCursor: "x" }, { items: [host("b", false)] }],
      pageParams: [undefined, "x"],
    });
    client.setQueryData(detailKey, host("b", false));
    const known = patchHost(client, { list: HOSTS, detail: detailKey }, hostEvent("b", true));
    expect(known).toBe(true);
    const list = client.getQueryData<{ pages: { items: { online: boolean }[] }[] }>(listKey);
    expect(list?.pages[1]?.items[0]).toMatchObject({ online: true, lastSeenAt: at });
    expect(list?.pages[0]?.items[0]?.online).toBe(true);
    expect(client.getQueryData<{ online: boolean }>(detailKey)?.online).toBe(true);
  });

  it("says a host is new when a complete list does not hold it, not when more pages exist", () => {
    const client = new QueryClient();
    const detail = [["hosts", "get"], { input: { id: "z" }, type: "query" }];
    client.setQueryData([["hosts", "list"], { type: "query" }], { items: [host("a", true)] });
    expect(patchHost(client, { list: HOSTS, detail }, hostEvent("z", true))).toBe(false);
    client.clear();
    client.setQueryData([["hosts", "list"], { type: "query" }], {
      items: [host("a", true)],
      nextCursor: "more",
    });
    expect(patchHost(client, { list: HOSTS, detail }, hostEvent("z", true))).toBe(true);
  });

  it("moves a listed job forward to its new state, never back", () => {
    const client = new QueryClient();
    const key = [["jobs", "list"], { input: { limit: 5 }, type: "query" }];
    client.setQueryData(key, { items: [job("j1", "running"), job("j2", "succeeded")] });
    const finished = patchJob(client, [["jobs", "list"]], jobEvent("j1", "succeeded"));
    expect(finished).toMatchObject({ id: "j1", kind: "backup" });
    expect(endsBackup(jobEvent("j1", "succeeded"), finished)).toBe(true);
    expect(endsBackup(jobEvent("j1", "running"), finished)).toBe(false);
    expect(patchJob(client, [["jobs", "list"]], jobEvent("j2", "running"))).toBeDefined();
    const items = client.getQueryData<{ items: { state: string }[] }>(key)?.items;
    expect(items?.map((item) => item.state)).toEqual(["succeeded", "succeeded"]);
    expect(patchJob(client, [["jobs", "list"]], jobEvent("j3", "running"))).toBeUndefined();
  });

  it("refetches lists for new, finished and unlisted jobs, not for a listed job moving on", () => {
    expect(changesJobLists(jobEvent("j", "queued", true), true)).toBe(true);
    expect(changesJobLists(jobEvent("j", "succeeded"), true)).toBe(true);
    expect(changesJobLists(jobEvent("j", "running"), false)).toBe(true);
    expect(changesJobLists(jobEvent("j", "running"), true)).toBe(false);
  });
});

describe("ThrottledInvalidation (fake timers)", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("invalidates at once, then gathers what follows into one invalidation a second", async () => {
    vi.useFakeTimers();
    const client = new QueryClient();
    const invalidate = vi.spyOn(client, "invalidateQueries");
    const throttled = new ThrottledInvalidation(client, 1000);
    throttled.add([["jobs", "list"]]);
    expect(invalidate).toHaveBeenCalledTimes(1);
    for (let i = 0; i < 100; i += 1) throttled.add([["jobs", "list"]], [["dashboard"]]);
    expect(invalidate).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(invalidate).toHaveBeenCalledTimes(3);
    await vi.advanceTimersByTimeAsync(5000);
    expect(invalidate).toHaveBeenCalledTimes(3);
    throttled.add([["alerts"]]);
    expect(invalidate).toHaveBeenCalledTimes(4);
    throttled.stop();
  });
});
