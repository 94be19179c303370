import { defineConfig, devices } from "@playwright/test";

// Debian's Chromium: Playwright's own browser downloads are not used.
const executablePath = process.env.RM_E2E_CHROMIUM ?? "/usr/bin/chromium";
const chromiumArgs = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * Each test starts its own server on a fresh, migrated data directory (see support/fixtures.ts),
 * so tests share no state. `pnpm build` must have run: these tests never build.
 */
export default defineConfig({
  testDir: "tests",
  // Pictures of the main screens, for a person to look at: only with RM_E2E_SCREENSHOTS=1.
  testIgnore: process.env.RM_E2E_SCREENSHOTS ? [] : ["**/screenshots*.spec.ts"],
  outputDir: "test-results",
  workers: 1,
  fullyParallel: false,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  reporter: [["list"]],
  timeout: 60_000,
  expect: { timeout: 10_000 },
  use: {
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: { executablePath, args: chromiumArgs },
  },
  projects: [
    {
      name: "chromium",
      use: { ...devices["Desktop Chrome"], launchOptions: { executablePath, args: chromiumArgs } },
    },
  ],
});
