import { authStatus, mutation, query, setupAdmin } from "../support/api";
import { ADMIN, expect, sessionCookie, signIn, test } from "../support/fixtures";

const OPERATOR = { username: "otto", password: "operator password 1" };

test("an admin creates a user and an API token; the token works once shown; the audit log lists it all", async ({
  page,
  server,
}) => {
  await setupAdmin(server.url, ADMIN);
  await signIn(page, ADMIN);
  const session = await sessionCookie(page);

  // A user, created in the UI, exists on the server with the chosen role and can sign in.
  await page.getByTestId("nav-users").click();
  await page.getByTestId("new-user-username").fill(OPERATOR.username);
  await page.getByTestId("new-user-password").fill(OPERATOR.password);
  await page.getByTestId("new-user-role").selectOption("operator");
  await page.getByTestId("create-user-submit").click();
  const row = page.locator(`[data-testid="user-row"][data-username="${OPERATOR.username}"]`);
  await expect(row.getByTestId("user-role")).toHaveValue("operator");
  await expect(row.getByTestId("user-status")).toHaveText("Active");
  const users = (await query(server.url, "users.list", undefined, { session })).data as {
    username: string;
    role: string;
  }[];
  expect(users).toContainEqual(
    expect.objectContaining({ username: OPERATOR.username, role: "operator" }),
  );
  const login = await mutation(server.url, "auth.login", OPERATOR);
  expect(login.status).toBe(200);

  // A token, shown exactly once.
  await page.getByTestId("tab-tokens").click();
  await page.getByTestId("token-name").fill("monitoring");
  await page.getByTestId("token-role").selectOption("viewer");
  await page.getByTestId("token-expiry").fill("30");
  await page.getByTestId("create-token-submit").click();
  const shown = page.getByTestId("new-token");
  await expect(shown).toBeVisible();
  await expect(page.getByText("This token will not be shown again")).toBeVisible();
  const token = (await shown.textContent())?.trim() ?? "";
  expect(token.length).toBeGreaterThan(20);
  const tokenRow = page.locator('[data-testid="token-row"][data-token-name="monitoring"]');
  await expect(tokenRow.getByTestId("token-status")).toHaveText("Active");

  await page.getByTestId("new-token-done").click();
  await expect(page.getByTestId("new-token")).toHaveCount(0);
  await page.reload();
  await expect(tokenRow).toBeVisible();
  expect(await page.content()).not.toContain(token);

  // The token is a working credential: it acts as its owner, with the token's role.
  const asToken = await authStatus(server.url, { token });
  expect(asToken.user).toMatchObject({ username: ADMIN.username, role: "viewer" });

  await page.getByTestId("nav-audit").click();
  const auditRows = page.getByTestId("audit-row");
  await expect(
    page.locator('[data-testid="audit-row"][data-action="auth.login"]').first(),
  ).toBeVisible();
  await expect(page.locator('[data-testid="audit-row"][data-action="token.created"]')).toHaveCount(
    1,
  );
  await expect(page.locator('[data-testid="audit-row"][data-action="user.created"]')).toContainText(
    OPERATOR.username,
  );

  // Filtering asks the server for that action only.
  await page.getByTestId("filter-action").selectOption("token.created");
  await page.getByTestId("filter-apply").click();
  await expect(auditRows).toHaveCount(1);
  await expect(auditRows.first()).toContainText("monitoring");
});
