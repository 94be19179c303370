import { test as base, expect, type Page } from "@playwright/test";
import { startTestServer, type TestServer } from "./server";

export const ADMIN = { username: "admin", password: "correct horse battery" };

export const test = base.extend<{ server: TestServer }>({
  // A fresh server and data directory for every test: no test sees another's state.
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads fixture dependencies from this pattern
  server: async ({}, use, testInfo) => {
    const server = await startTestServer();
    try {
      await use(server);
    } finally {
      if (testInfo.status !== testInfo.expectedStatus) {
        await testInfo.attach("server.log", { body: server.logs(), contentType: "text/plain" });
      }
      await server.stop();
    }
  },
  baseURL: async ({ server }, use) => {
    await use(server.url);
  },
});

export { expect };

/** Signs in through the login page and waits for the shell. */
export async function signIn(page: Page, account: { username: string; password: string }) {
  await page.goto("/");
  await page.getByTestId("login-username").fill(account.username);
  await page.getByTestId("login-password").fill(account.password);
  await page.getByTestId("login-submit").click();
  await expect(page.getByTestId("current-user")).toHaveText(account.username);
}

/** The session cookie this browser context holds, if any. */
export async function sessionCookie(page: Page): Promise<string | undefined> {
  const cookies = await page.context().cookies();
  return cookies.find((cookie) => cookie.name === "rm_session")?.value;
}
