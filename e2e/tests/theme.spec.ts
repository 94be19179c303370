import type { Page } from "@playwright/test";
import { setupAdmin } from "../support/api";
import { ADMIN, expect, signIn, test } from "../support/fixtures";

function pageBackground(page: Page): Promise<string> {
  return page.evaluate(() => getComputedStyle(document.body).backgroundColor);
}

test("dark mode: the toggle switches the theme, changes the colours and survives a reload", async ({
  page,
  server,
}) => {
  await setupAdmin(server.url, ADMIN);
  await page.emulateMedia({ colorScheme: "light" });
  await signIn(page, ADMIN);

  const html = page.locator("html");
  await expect(html).not.toHaveClass(/\bdark\b/);
  const lightBackground = await pageBackground(page);

  await page.getByTestId("theme-toggle").click();
  await expect(html).toHaveClass(/\bdark\b/);
  const darkBackground = await pageBackground(page);
  expect(darkBackground).not.toBe(lightBackground);

  await page.reload();
  await expect(page.getByTestId("current-user")).toBeVisible();
  await expect(html).toHaveClass(/\bdark\b/);
  expect(await pageBackground(page)).toBe(darkBackground);

  await page.getByTestId("theme-toggle").click();
  await expect(html).not.toHaveClass(/\bdark\b/);
  expect(await pageBackground(page)).toBe(lightBackground);
  await page.reload();
  await expect(html).not.toHaveClass(/\bdark\b/);
});

test("dark mode follows the system until a choice is made", async ({ page }) => {
  await page.emulateMedia({ colorScheme: "dark" });
  await page.goto("/");
  await expect(page.getByTestId("first-run")).toBeVisible();
  await expect(page.locator("html")).toHaveClass(/\bdark\b/);

  await page.emulateMedia({ colorScheme: "light" });
  await expect(page.locator("html")).not.toHaveClass(/\bdark\b/);
});
