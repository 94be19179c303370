import { authStatus } from "../support/api";
import { ADMIN, expect, test } from "../support/fixtures";

test("first run: create the first admin, stay signed in, then the login page replaces set-up", async ({
  page,
  server,
  browser,
}) => {
  await page.goto("/");
  await expect(page.getByTestId("first-run")).toBeVisible();
  expect(await authStatus(server.url)).toMatchObject({ needsSetup: true, user: null });

  // The shared contract's rules apply before anything is sent: nothing is created.
  await page.getByTestId("setup-username").fill(ADMIN.username);
  await page.getByTestId("setup-password").fill("short");
  await page.getByTestId("setup-confirm").fill("short");
  await page.getByTestId("setup-submit").click();
  await expect(page.getByText("Password must have at least 12 characters")).toBeVisible();
  await page.getByTestId("setup-password").fill(ADMIN.password);
  await page.getByTestId("setup-confirm").fill(`${ADMIN.password}x`);
  await page.getByTestId("setup-submit").click();
  await expect(page.getByText("The two passwords do not match")).toBeVisible();
  expect((await authStatus(server.url)).needsSetup).toBe(true);

  await page.getByTestId("setup-confirm").fill(ADMIN.password);
  await page.getByTestId("setup-submit").click();
  await expect(page.getByTestId("current-user")).toHaveText(ADMIN.username);
  await expect(page.getByTestId("current-role")).toHaveText("admin");

  await page.reload();
  await expect(page.getByTestId("current-user")).toHaveText(ADMIN.username);
  expect(await authStatus(server.url)).toMatchObject({ needsSetup: false, user: null });

  await page.getByTestId("sign-out").click();
  await expect(page.getByTestId("login")).toBeVisible();

  // A browser that was never signed in gets the login page, not set-up, from now on.
  const stranger = await browser.newPage({ baseURL: server.url });
  await stranger.goto("/");
  await expect(stranger.getByTestId("login")).toBeVisible();
  await expect(stranger.getByTestId("first-run")).toHaveCount(0);
  await stranger.close();
});
