import { query, setupAdmin } from "../support/api";
import { ADMIN, expect, sessionCookie, signIn, test } from "../support/fixtures";

const VIEWER = { username: "vera", password: "viewer password 1" };

test("a viewer sees no admin pages: hidden in the navigation, forbidden when opened directly", async ({
  page,
  server,
}) => {
  await setupAdmin(server.url, ADMIN);
  await server.cli(
    ["user", "create", "--username", VIEWER.username, "--role", "viewer"],
    VIEWER.password,
  );

  await signIn(page, VIEWER);
  await expect(page.getByTestId("current-role")).toHaveText("viewer");
  await expect(page.getByTestId("nav-hosts")).toBeVisible();
  await expect(page.getByTestId("nav-settings")).toBeVisible();
  await expect(page.getByTestId("nav-audit")).toHaveCount(0);
  await expect(page.getByTestId("nav-users")).toHaveCount(0);

  await page.goto("/audit");
  await expect(page.getByTestId("forbidden")).toContainText(
    "You need the admin role to see this page",
  );
  await expect(page.getByTestId("audit-row")).toHaveCount(0);
  await expect(page.getByTestId("audit-table")).toHaveCount(0);

  await page.goto("/settings/users");
  await expect(page.getByTestId("forbidden")).toBeVisible();
  await expect(page.getByTestId("users-table")).toHaveCount(0);
  await expect(page.getByTestId("tab-users")).toHaveCount(0);

  // The server refuses too, whatever the browser draws.
  const session = await sessionCookie(page);
  expect((await query(server.url, "audit.list", {}, { session })).status).toBe(403);
});
