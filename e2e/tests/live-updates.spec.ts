import type { Request } from "@playwright/test";
import { type SpawnedAgent, spawnAgent } from "@restic-manager/test-support";
import { mutation, query, setupAdmin } from "../support/api";
import { ADMIN, expect, signIn } from "../support/fixtures";
import { test } from "../support/fleet";

/** Lists that a timer used to refetch; after the first load they may only follow changes. */
const LIST_PROCEDURES = ["hosts.list", "jobs.list", "dashboard.summary"];
const IDLE_MS = 15_000;
const THROTTLE_MARGIN_MS = 2000;

/** The list procedures a request asks for (a batched GET names several, comma-separated). */
function listCalls(request: Request): string[] {
  const url = new URL(request.url());
  if (!url.pathname.startsWith("/trpc/")) return [];
  const procedures = url.pathname.slice("/trpc/".length).split(",");
  return procedures.filter((procedure) => LIST_PROCEDURES.includes(procedure));
}

test("hosts coming and going and a job's states reach the hosts, jobs and dashboard pages without reloads or timers", async ({
  page,
  server,
  fleet,
}) => {
  test.setTimeout(120_000);
  const session = await setupAdmin(server.url, ADMIN);
  const enrollment = await mutation(
    server.url,
    "hosts.createEnrollment",
    { expiresInHours: 1 },
    { session },
  );
  const configFile = await fleet.enrollAgent(server.url, enrollment.data?.token ?? "");
  const calls: string[] = [];
  page.on("request", (request) => calls.push(...listCalls(request)));
  await signIn(page, ADMIN);

  // The enrolled host is listed offline; its agent starts and the row turns online in place.
  await page.getByTestId("nav-hosts").click();
  const status = page.getByTestId("host-row").getByTestId("host-status");
  await expect(status).toHaveAttribute("data-status", "offline");
  // A mark in this page's window: a reload would lose it.
  await page.evaluate(() => {
    (window as unknown as { notReloaded: boolean }).notReloaded = true;
  });
  let agent: SpawnedAgent | undefined = spawnAgent(["run", "--config", configFile]);
  try {
    await expect(status).toHaveAttribute("data-status", "online", { timeout: 30_000 });

    // A job made elsewhere (here through the API) appears on the jobs page and ends there.
    await page.getByTestId("nav-jobs").click();
    await expect(page.getByTestId("page-jobs")).toBeVisible();
    const hosts = await query(server.url, "hosts.list", {}, { session });
    const hostId = hosts.data?.items[0]?.id ?? "";
    const created = await mutation(
      server.url,
      "jobs.create",
      { hostId, params: { kind: "version" } },
      { session },
    );
    expect(created.status).toBe(200);
    const row = page.locator('[data-testid="job-row"][data-kind="version"]');
    await expect(row).toHaveAttribute("data-state", "succeeded", { timeout: 30_000 });

    // The job's end has the list read again once, within the hook's one-second throttle.
    const ended = calls.length;
    await page.waitForTimeout(THROTTLE_MARGIN_MS);
    expect(calls.slice(ended).length).toBeLessThanOrEqual(1);

    // Idle: nothing changes, so no list is fetched again.
    const before = calls.length;
    await page.waitForTimeout(IDLE_MS);
    expect(calls.slice(before)).toEqual([]);

    // The dashboard counts the host online, then offline once its agent stops.
    await page.getByTestId("nav-dashboard").click();
    await expect(page.getByTestId("stat-online")).toContainText("1");
    await agent.stop();
    agent = undefined;
    await expect(page.getByTestId("stat-offline")).toContainText("1", { timeout: 30_000 });
    await expect(page.getByTestId("stat-online")).toContainText("0");
    await page.getByTestId("nav-hosts").click();
    await expect(status).toHaveAttribute("data-status", "offline");
  } finally {
    await agent?.stop();
  }
  // All of it in the page first loaded: nothing reloaded it.
  expect(
    await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded),
  ).toBe(true);
});
