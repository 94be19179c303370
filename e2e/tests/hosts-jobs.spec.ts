import type { Page } from "@playwright/test";
import { query, setupAdmin } from "../support/api";
import { ADMIN, expect, sessionCookie, signIn } from "../support/fixtures";
import { test, writeRandomTree } from "../support/fleet";
import {
  enrollHostThroughUi,
  expectJobState,
  JOB_TIMEOUT_MS,
  registerRepository,
  runOperation,
} from "../support/ui";

/**
 * restic counts data as done once it is packed, not once it is uploaded, so a backup only
 * shows steady progress when there is more data than the packs in flight: small packs
 * (RESTIC_PACK_SIZE=4, set on the repository) and ~100 MiB at 8 MiB/s take about ten seconds.
 */
const TREE = { files: 24, bytesEach: 4 * 1024 * 1024 };
const LIMIT_UPLOAD_KIB = "8192";

/** Reads the live bar until a later reading is larger than an earlier one. */
async function expectProgressToGrow(page: Page) {
  const bar = page.getByTestId("job-progress");
  const readings: number[] = [];
  await expect
    .poll(
      async () => {
        const value = await bar.getAttribute("aria-valuenow", { timeout: 200 }).catch(() => null);
        if (value !== null) readings.push(Number(value));
        return readings.some((earlier, i) =>
          readings.slice(i + 1).some((later) => later > earlier),
        );
      },
      { timeout: JOB_TIMEOUT_MS, intervals: [200] },
    )
    .toBe(true);
  return readings;
}

test("an admin enrolls a real agent, registers a repository it creates, watches a backup and lists its snapshot", async ({
  page,
  server,
  fleet,
}) => {
  test.setTimeout(90_000);
  await setupAdmin(server.url, ADMIN);
  const restServer = await fleet.startRestServer();
  await signIn(page, ADMIN);

  // Add host: the install command carries a one-time token; a real agent enrolls with it.
  const hostName = await enrollHostThroughUi(page, server.url, fleet);
  const hostRow = page.getByTestId("host-row");
  await expect(hostRow.getByTestId("host-restic-version")).toHaveText("0.18.0");

  // A repository on the rest-server, registered in the UI and created (init) by that host;
  // its password is never shown again.
  await registerRepository(page, {
    name: "office",
    url: `rest:${restServer}/host1`,
    password: "repository password 1",
    env: "RESTIC_PACK_SIZE=4",
    setupHost: hostName,
  });
  await page.getByTestId("repo-setup-done").click();
  expect(await page.content()).not.toContain("repository password 1");
  const card = page.locator('[data-testid="repository-card"][data-repo-name="office"]');
  await expect(card.getByTestId("repo-url")).toHaveText(`rest:${restServer}/host1`);
  await expect(card.getByTestId("repo-status")).toHaveText("ready");

  await page.getByTestId("nav-hosts").click();
  await hostRow.getByTestId("host-link").click();
  await expect(page.getByTestId("page-host")).toBeVisible();

  // A throttled backup: the bar moves while it runs, then the summary names the snapshot.
  const tree = await fleet.tempDir("rm-e2e-tree-");
  await writeRandomTree(tree, TREE.files, TREE.bytesEach);
  const backupId = await runOperation(page, "backup", {
    paths: tree,
    limitUpload: LIMIT_UPLOAD_KIB,
  });
  const readings = await expectProgressToGrow(page);
  expect(readings.length).toBeGreaterThanOrEqual(2);
  await expectJobState(page, "succeeded");
  const snapshotId = (await page.getByTestId("snapshot-id").textContent()) ?? "";
  expect(snapshotId).toMatch(/^[0-9a-f]{64}$/);

  // snapshots lists it; the result the page rendered is what the server kept.
  await page.getByTestId("job-host-link").click();
  await runOperation(page, "snapshots");
  await expectJobState(page, "succeeded");
  await expect(
    page.locator(`[data-testid="snapshot-row"][data-snapshot-id="${snapshotId}"]`),
  ).toBeVisible();

  const session = await sessionCookie(page);
  const backup = await query(server.url, "jobs.get", { id: backupId }, { session });
  expect(backup.data).toMatchObject({
    state: "succeeded",
    result: { kind: "backup", snapshotId },
  });
});
