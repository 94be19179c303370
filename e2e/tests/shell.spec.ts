import { setupAdmin } from "../support/api";
import { ADMIN, expect, signIn, test } from "../support/fixtures";

const SECTIONS = ["dashboard", "hosts", "jobs", "repositories", "schedules", "restore", "alerts"];

test("every section is reachable from the navigation and says what will appear there", async ({
  page,
  server,
}) => {
  await setupAdmin(server.url, ADMIN);
  await signIn(page, ADMIN);
  for (const section of SECTIONS) {
    await page.getByTestId(`nav-${section}`).click();
    const content = page.getByTestId(`page-${section}`);
    await expect(content).toBeVisible();
    await expect(content.getByTestId("empty-state")).toContainText(/\w+ \w+ \w+.*\./);
    await expect(page.getByTestId(`nav-${section}`)).toHaveAttribute("aria-current", "page");
  }
  await page.goto("/no/such/page");
  await expect(page.getByTestId("page-not-found")).toBeVisible();
});

test("on a phone the navigation folds into a menu button", async ({ page, server }) => {
  await setupAdmin(server.url, ADMIN);
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page, ADMIN);

  await expect(page.getByTestId("sidebar")).toBeHidden();
  await page.getByTestId("menu-button").click();
  const menu = page.getByTestId("mobile-menu");
  await menu.getByTestId("nav-hosts").click();
  await expect(menu).toHaveCount(0);
  await expect(page.getByTestId("page-hosts")).toBeVisible();
  await expect(page).toHaveURL(/\/hosts$/);
});
