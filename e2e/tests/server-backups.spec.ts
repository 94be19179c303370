import { readdirSync } from "node:fs";
import path from "node:path";
import { query, setupAdmin } from "../support/api";
import { ADMIN, expect, sessionCookie, signIn, test } from "../support/fixtures";

test("an admin backs up the server's database from Settings and the copy is listed and on disk", async ({
  page,
  server,
}) => {
  await setupAdmin(server.url, ADMIN);
  await signIn(page, ADMIN);
  await page.getByTestId("nav-settings").click();
  await page.getByTestId("tab-backups").click();
  await expect(page.getByTestId("server-backups-empty")).toBeVisible();
  await expect(page.getByTestId("server-backup-last")).toHaveText("No copy taken yet.");

  await page.getByTestId("server-backup-now").click();
  const row = page.getByTestId("server-backup-row");
  await expect(row).toHaveCount(1);
  await expect(page.getByTestId("server-backup-last")).toContainText("Last copy succeeded");

  // What persisted: the file in the data directory, as the API lists it.
  const session = await sessionCookie(page);
  const listed = await query(server.url, "serverBackups.list", undefined, { session });
  const items = (listed.data as { items: { name: string }[] }).items;
  expect(items).toHaveLength(1);
  expect(readdirSync(path.join(server.dataDir, "backups"))).toEqual([items[0]?.name]);
  await expect(row).toContainText(items[0]?.name ?? "?");
});
