import { mutation, query, setupAdmin } from "../support/api";
import { ADMIN, expect, signIn, test } from "../support/fixtures";

const ROW = '[data-testid="audit-row"]';

test("audit: pages through the log with Load more and filters by action, target and outcome", async ({
  page,
  server,
}) => {
  const session = await setupAdmin(server.url, ADMIN);
  const created = await mutation(
    server.url,
    "users.create",
    { username: "vera", password: "viewer password 1", role: "viewer" },
    { session },
  );
  const vera = created.data as { id: string };
  // 60 more entries: more than one page of 50.
  for (let i = 0; i < 30; i++) {
    const role = i % 2 === 0 ? "operator" : "viewer";
    await mutation(server.url, "users.update", { id: vera.id, role }, { session });
    await mutation(server.url, "users.revokeSessions", { id: vera.id }, { session });
  }
  const all = await query(server.url, "audit.list", { limit: 200 }, { session });
  const total = (all.data as { items: unknown[] }).items.length + 1; // + the UI's own login
  expect(total).toBeGreaterThan(60);

  await signIn(page, ADMIN);
  await page.getByTestId("nav-audit").click();
  await expect(page.locator(ROW)).toHaveCount(50);
  await page.getByTestId("audit-load-more").click();
  await expect(page.locator(ROW)).toHaveCount(total);
  await expect(page.getByTestId("audit-load-more")).toHaveCount(0);

  await page.getByTestId("filter-action").selectOption("user.updated");
  await page.getByTestId("filter-apply").click();
  await expect(page.locator(ROW)).toHaveCount(30);
  await expect(page.locator(`${ROW}:not([data-action="user.updated"])`)).toHaveCount(0);

  await page.getByTestId("filter-action").selectOption("");
  await page.getByTestId("filter-target").fill("vera");
  await page.getByTestId("filter-outcome").selectOption("success");
  await page.getByTestId("filter-apply").click();
  await expect(page.locator(ROW)).toHaveCount(50);
  await expect(page.locator(`${ROW}[data-action="auth.login"]`)).toHaveCount(0);

  await page.getByTestId("filter-target").fill("nobody-by-this-name");
  await page.getByTestId("filter-apply").click();
  await expect(page.getByTestId("audit-empty")).toBeVisible();
});
