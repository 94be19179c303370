import { mutation, query, setupAdmin } from "../support/api";
import { ADMIN, expect, signIn, test } from "../support/fixtures";

const VERA = { username: "vera", password: "viewer password 1" };
const NEW_PASSWORD = "a brand new password";

interface ListedUser {
  username: string;
  role: string;
  disabled: boolean;
  activeSessions: number;
}

test("an admin changes a role, disables, resets the password of, signs out and deletes a user", async ({
  page,
  server,
}) => {
  const session = await setupAdmin(server.url, ADMIN);
  await mutation(server.url, "users.create", { ...VERA, role: "viewer" }, { session });
  const vera = async () => {
    const users = (await query(server.url, "users.list", undefined, { session }))
      .data as ListedUser[];
    return users.find((user) => user.username === VERA.username);
  };
  const veraSession = (await mutation(server.url, "auth.login", VERA)).session;
  expect(veraSession).toBeTruthy();

  await signIn(page, ADMIN);
  await page.getByTestId("nav-users").click();
  const row = page.locator(`[data-testid="user-row"][data-username="${VERA.username}"]`);
  await expect(row.getByTestId("user-sessions")).toHaveText("1");

  await row.getByTestId("user-role").selectOption("operator");
  await expect.poll(async () => (await vera())?.role).toBe("operator");

  await row.getByTestId("user-revoke-sessions").click();
  await expect(page.getByTestId("users-notice")).toContainText("1 session");
  await expect(row.getByTestId("user-sessions")).toHaveText("0");
  expect(
    (await query(server.url, "auth.sessions", undefined, { session: veraSession })).status,
  ).toBe(401);

  await row.getByTestId("user-toggle-disabled").click();
  await expect(row.getByTestId("user-status")).toHaveText("Disabled");
  expect((await vera())?.disabled).toBe(true);
  expect((await mutation(server.url, "auth.login", VERA)).status).toBe(401);
  await row.getByTestId("user-toggle-disabled").click();
  await expect(row.getByTestId("user-status")).toHaveText("Active");

  await row.getByTestId("user-reset-password").click();
  const dialog = page.getByTestId("reset-password-dialog");
  await dialog.getByTestId("reset-password").fill(NEW_PASSWORD);
  await dialog.getByTestId("reset-confirm").fill(NEW_PASSWORD);
  await dialog.getByTestId("reset-submit").click();
  await expect(page.getByTestId("users-notice")).toContainText("New password set");
  expect((await mutation(server.url, "auth.login", VERA)).status).toBe(401);
  expect(
    (await mutation(server.url, "auth.login", { ...VERA, password: NEW_PASSWORD })).status,
  ).toBe(200);

  await row.getByTestId("user-delete").click();
  await page.getByTestId("confirm-dialog").getByTestId("confirm-action").click();
  await expect(row).toHaveCount(0);
  expect(await vera()).toBeUndefined();
});

test("your account: changing the password keeps this session and ends the others", async ({
  page,
  server,
}) => {
  const otherSession = await setupAdmin(server.url, ADMIN);
  await signIn(page, ADMIN);
  await page.getByTestId("nav-settings").click();

  await page.getByTestId("current-password").fill("not my password");
  await page.getByTestId("new-password").fill(NEW_PASSWORD);
  await page.getByTestId("confirm-password").fill(NEW_PASSWORD);
  await page.getByTestId("change-password-submit").click();
  await expect(page.getByTestId("form-error")).toContainText("current password is wrong");

  await page.getByTestId("current-password").fill(ADMIN.password);
  await page.getByTestId("new-password").fill(NEW_PASSWORD);
  await page.getByTestId("confirm-password").fill(NEW_PASSWORD);
  await page.getByTestId("change-password-submit").click();
  await expect(page.getByTestId("password-changed")).toBeVisible();
  await expect(page.getByTestId("session-row")).toHaveCount(1);

  expect(
    (await query(server.url, "auth.sessions", undefined, { session: otherSession })).status,
  ).toBe(401);
  expect((await mutation(server.url, "auth.login", ADMIN)).status).toBe(401);
  expect(
    (await mutation(server.url, "auth.login", { ...ADMIN, password: NEW_PASSWORD })).status,
  ).toBe(200);
  await page.reload();
  await expect(page.getByTestId("current-user")).toHaveText(ADMIN.username);
});
