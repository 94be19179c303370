import type { Page } from "@playwright/test";
import { mutation, setupAdmin } from "../support/api";
import { ADMIN, expect, signIn, test } from "../support/fixtures";

// Not a check: pictures of the main screens for a person to look at, in
// test-results/screens/. Runs only with RM_E2E_SCREENSHOTS=1 (see playwright.config.ts).

const VIEWPORTS = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
};

async function shoot(page: Page, name: string) {
  await page.waitForLoadState("networkidle");
  await page.screenshot({ path: `test-results/screens/${name}.png`, fullPage: true });
}

for (const [device, viewport] of Object.entries(VIEWPORTS)) {
  for (const scheme of ["light", "dark"] as const) {
    test(`screens ${device} ${scheme}`, async ({ page, server }) => {
      await page.setViewportSize(viewport);
      await page.emulateMedia({ colorScheme: scheme });
      const tag = `${device}-${scheme}`;

      await page.goto("/");
      await expect(page.getByTestId("first-run")).toBeVisible();
      await shoot(page, `01-first-run-${tag}`);

      const session = await setupAdmin(server.url, ADMIN);
      await mutation(
        server.url,
        "users.create",
        { username: "vera", password: "viewer password 1", role: "viewer" },
        { session },
      );
      await page.reload();
      await page.getByTestId("login-username").fill(ADMIN.username);
      await page.getByTestId("login-password").fill("wrong password");
      await page.getByTestId("login-submit").click();
      await expect(page.getByTestId("form-error")).toBeVisible();
      await shoot(page, `02-login-error-${tag}`);

      await signIn(page, ADMIN);
      await shoot(page, `03-dashboard-${tag}`);
      if (device === "phone") {
        await page.getByTestId("menu-button").click();
        await expect(page.getByTestId("mobile-menu")).toBeVisible();
        await shoot(page, `04-menu-${tag}`);
        await page.getByTestId("mobile-menu").getByTestId("nav-hosts").click();
      } else {
        await page.getByTestId("nav-hosts").click();
      }
      await shoot(page, `05-hosts-${tag}`);
      await page.goto("/settings");
      await expect(page.getByTestId("session-row").first()).toBeVisible();
      await shoot(page, `06-account-${tag}`);
      await page.goto("/settings/users");
      await expect(page.getByTestId("user-row").first()).toBeVisible();
      await shoot(page, `07-users-${tag}`);
      await page.getByTestId("user-reset-password").first().click();
      await shoot(page, `08-reset-dialog-${tag}`);
      await page.keyboard.press("Escape");
      await page.goto("/settings/tokens");
      await page.getByTestId("token-name").fill("monitoring");
      await page.getByTestId("create-token-submit").click();
      await expect(page.getByTestId("new-token")).toBeVisible();
      await shoot(page, `09-token-${tag}`);
      await page.goto("/audit");
      await expect(page.getByTestId("audit-row").first()).toBeVisible();
      await shoot(page, `10-audit-${tag}`);

      await page.getByTestId("sign-out").click();
      await signIn(page, { username: "vera", password: "viewer password 1" });
      await page.goto("/audit");
      await expect(page.getByTestId("forbidden")).toBeVisible();
      await shoot(page, `11-forbidden-${tag}`);
    });
  }
}
