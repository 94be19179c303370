import { mutation, query, setupAdmin } from "../support/api";
import { ADMIN, expect, signIn, test } from "../support/fixtures";

/** Hosts enrolled through the API, as `agent enroll` would; no agent runs for them. */
async function enrollHosts(url: string, session: string, names: string[]) {
  const ids: string[] = [];
  for (const hostname of names) {
    const enrollment = await mutation(url, "hosts.createEnrollment", {}, { session });
    const enrolled = await mutation(url, "agent.enroll", {
      token: enrollment.data?.token ?? "",
      hostname,
      os: "linux",
      arch: "x64",
      agentVersion: "0.0.0-test",
    });
    expect(enrolled.status).toBe(200);
    ids.push(enrolled.data?.hostId ?? "");
  }
  return ids;
}

test("the hosts page shows one page at a time, filtered on the server, and the host filters search by name", async ({
  page,
  server,
}) => {
  test.setTimeout(90_000);
  const session = await setupAdmin(server.url, ADMIN);
  const web = Array.from({ length: 52 }, (_, i) => `web-${String(i).padStart(2, "0")}`);
  const [db1 = ""] = await enrollHosts(server.url, session, ["db-1", "db-2", "db-3", ...web]);
  await mutation(server.url, "hosts.revoke", { id: db1 }, { session });
  await signIn(page, ADMIN);

  await page.getByTestId("nav-hosts").click();
  const rows = page.getByTestId("host-row");
  await expect(rows).toHaveCount(50);
  await page.getByTestId("hosts-load-more").click();
  await expect(rows).toHaveCount(55);
  await expect(page.getByTestId("hosts-load-more")).toHaveCount(0);

  // A name prefix, then active or revoked: the server filters, the address bar keeps it.
  const filters = page.getByTestId("host-filters");
  await filters.getByTestId("filter-search").fill("db-");
  await filters.getByTestId("filter-apply").click();
  await expect(rows).toHaveCount(3);
  await expect(page).toHaveURL(/search=db-/);
  await filters.getByTestId("filter-state").selectOption("active");
  await filters.getByTestId("filter-apply").click();
  await expect(rows).toHaveCount(2);
  await filters.getByTestId("filter-state").selectOption("revoked");
  await filters.getByTestId("filter-apply").click();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute("data-host-name", "db-1");
  await filters.getByTestId("filter-search").fill("nothing-like-this");
  await filters.getByTestId("filter-apply").click();
  await expect(page.getByTestId("hosts-empty")).toBeVisible();

  // More hosts than one page of choices: the jobs page's host filter finds the rest by name.
  await page.getByTestId("nav-jobs").click();
  const jobFilters = page.getByTestId("job-filters");
  const hostSelect = jobFilters.getByTestId("filter-host");
  await expect(hostSelect.locator("option", { hasText: "web-51" })).toHaveCount(0);
  await jobFilters.getByTestId("host-search").fill("web-5");
  await expect(hostSelect.locator("option", { hasText: "web-51" })).toHaveCount(1);
  await hostSelect.selectOption({ label: "web-51" });
  await jobFilters.getByTestId("filter-apply").click();
  await expect(page).toHaveURL(/host=/);
  await expect(page.getByTestId("jobs-empty")).toBeVisible();
});

test("a channel can be limited to a host beyond the first page, found by name", async ({
  page,
  server,
}) => {
  test.setTimeout(90_000);
  const session = await setupAdmin(server.url, ADMIN);
  const web = Array.from({ length: 52 }, (_, i) => `web-${String(i).padStart(2, "0")}`);
  const ids = await enrollHosts(server.url, session, [...web, "zz-last"]);
  await signIn(page, ADMIN);
  await page.getByTestId("nav-settings").click();
  await page.getByTestId("tab-alerts").click();
  await page.getByTestId("new-channel").click();
  const dialog = page.getByTestId("channel-dialog");
  await dialog.getByTestId("channel-kind-webhook").click();
  await dialog.getByTestId("channel-name").fill("last host only");
  await dialog.getByTestId("channel-webhook-url").fill("http://127.0.0.1:9/hook");

  const hosts = dialog.getByTestId("channel-route-hosts");
  await expect(hosts.getByRole("checkbox")).toHaveCount(50);
  await expect(hosts.getByLabel("zz-last")).toHaveCount(0);
  await dialog.getByTestId("channel-route-hosts-search").fill("zz");
  await hosts.getByLabel("zz-last").check();
  // Cleared, the search shows the first page again, and the chosen host stays, named.
  await dialog.getByTestId("channel-route-hosts-search").fill("");
  await expect(hosts.getByLabel("zz-last")).toBeChecked();
  await expect(hosts).toContainText("(1 chosen)");
  await dialog.getByTestId("channel-submit").click();
  await expect(dialog).toBeHidden();

  const channels = await query(server.url, "channels.list", undefined, { session });
  const channel = channels.data?.find((c) => c.name === "last host only");
  expect(channel?.routing.hostIds).toEqual([ids.at(-1)]);
});
