import { authStatus, mutation, query, setupAdmin } from "../support/api";
import { ADMIN, expect, sessionCookie, signIn, test } from "../support/fixtures";

test("login: a wrong password is refused, the right one signs in, sign-out ends the session", async ({
  page,
  server,
}) => {
  await setupAdmin(server.url, ADMIN);

  await page.goto("/");
  await page.getByTestId("login-username").fill(ADMIN.username);
  await page.getByTestId("login-password").fill("not the password");
  await page.getByTestId("login-submit").click();
  await expect(page.getByTestId("form-error")).toContainText("Wrong username or password");
  await expect(page.getByTestId("login")).toBeVisible();
  await expect(page.getByTestId("current-user")).toHaveCount(0);
  expect(await sessionCookie(page)).toBeUndefined();

  await signIn(page, ADMIN);
  const session = await sessionCookie(page);
  expect(session).toBeTruthy();
  expect((await authStatus(server.url, { session })).user?.username).toBe(ADMIN.username);

  await page.getByTestId("sign-out").click();
  await expect(page.getByTestId("login")).toBeVisible();

  // The server forgot the session: the old cookie signs nobody in any more.
  expect((await authStatus(server.url, { session })).user).toBeNull();
  expect((await query(server.url, "auth.sessions", undefined, { session })).status).toBe(401);
  if (session) {
    await page
      .context()
      .addCookies([
        { name: "rm_session", value: session, url: server.url, httpOnly: true, sameSite: "Strict" },
      ]);
  }
  await page.goto("/");
  await expect(page.getByTestId("login")).toBeVisible();
});

test("sign out everywhere: other browsers of the same user drop to the login page", async ({
  page,
  server,
  browser,
}) => {
  await setupAdmin(server.url, ADMIN);
  const other = await browser.newPage({ baseURL: server.url });
  await signIn(other, ADMIN);
  await signIn(page, ADMIN);

  await page.getByTestId("nav-settings").click();
  // Set-up through the API opened a session too: three in all.
  await expect(page.getByTestId("session-row")).toHaveCount(3);
  await expect(page.getByText("This browser", { exact: true })).toHaveCount(1);
  await page.getByTestId("revoke-all-sessions").click();
  await expect(page.getByTestId("login")).toBeVisible();

  // The other browser's next call is refused as UNAUTHORIZED, which brings up the login page.
  await other.getByTestId("nav-settings").click();
  await expect(other.getByTestId("login")).toBeVisible();
  expect((await authStatus(server.url, { session: await sessionCookie(other) })).user).toBeNull();
  await other.close();
});

test("throttling: after repeated failures the login page says how long to wait", async ({
  page,
  server,
}) => {
  await setupAdmin(server.url, ADMIN);
  let throttled = false;
  for (let attempt = 0; attempt < 10 && !throttled; attempt++) {
    const result = await mutation(server.url, "auth.login", {
      username: ADMIN.username,
      password: "guessing wrong",
    });
    throttled = result.status === 429;
  }
  expect(throttled).toBe(true);

  await page.goto("/");
  await page.getByTestId("login-username").fill(ADMIN.username);
  await page.getByTestId("login-password").fill(ADMIN.password);
  await page.getByTestId("login-submit").click();
  await expect(page.getByTestId("form-error")).toContainText("Too many failed sign-ins");
  const seconds = Number(await page.getByTestId("retry-after").textContent());
  expect(seconds).toBeGreaterThan(0);
  expect(seconds).toBeLessThanOrEqual(15 * 60);
  await expect(page.getByTestId("login-submit")).toBeDisabled();
  await expect(page.getByTestId("current-user")).toHaveCount(0);
});
