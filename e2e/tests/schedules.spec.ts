import { query, setupAdmin } from "../support/api";
import { backupSetOnRealAgent, runBackup } from "../support/backupSet";
import { ADMIN, expect, signIn } from "../support/fixtures";
import { test, writeRandomTree } from "../support/fleet";
import { expectJobState, JOB_TIMEOUT_MS } from "../support/ui";

/** The schedules' backup set: three files of random data. */
const smallTree = (dir: string) => writeRandomTree(dir, 3, 64 * 1024);

test("a daily schedule made from its preset shows its next runs, pauses, runs now, and its run shows on the host page", async ({
  page,
  server,
  fleet,
}) => {
  test.setTimeout(120_000);
  const session = await setupAdmin(server.url, ADMIN);
  const { hostId, hostName, setId } = await backupSetOnRealAgent(
    server.url,
    session,
    fleet,
    smallTree,
  );
  await signIn(page, ADMIN);

  await page.getByTestId("nav-schedules").click();
  await expect(page.getByTestId("page-schedules").getByTestId("empty-state")).toBeVisible();
  await page.getByTestId("new-schedule").click();
  const dialog = page.getByTestId("schedule-dialog");
  await dialog.getByTestId("schedule-kind").selectOption("backup");
  await dialog.getByTestId("schedule-backup-set").selectOption({ label: `home on ${hostName}` });

  // A timing the server refuses says why, where the runs would be.
  await dialog.getByTestId("schedule-timing-type").selectOption("cron");
  await dialog.getByTestId("schedule-cron").fill("61 * * * *");
  await expect(dialog.getByTestId("schedule-preview-error")).toHaveText(
    "Invalid cron expression: Invalid value for minute: 61",
  );

  // The daily preset: the timing in words and its next five runs, at that time of day.
  await dialog.getByTestId("schedule-timing-type").selectOption("daily");
  await dialog.getByTestId("schedule-time").fill("03:15");
  await expect(dialog.getByTestId("schedule-preview-description")).toHaveText("Every day at 03:15");
  const runs = dialog.getByTestId("schedule-preview-run");
  await expect(runs).toHaveCount(5);
  for (const run of await runs.all()) await expect(run).toContainText("03:15");
  await dialog.getByTestId("schedule-submit").click();
  await expect(dialog).toBeHidden();

  const row = page.locator('[data-testid="schedule-row"][data-target="home"]');
  await expect(row).toHaveAttribute("data-status", "active");
  await expect(row.getByTestId("schedule-when")).toContainText("Every day at 03:15");
  await expect(row.getByTestId("schedule-next-run")).toContainText("03:15");
  await expect(row.getByTestId("schedule-last-run")).toHaveText("never");

  // Paused: the list says so, the filter finds it among the paused ones, and the server kept it.
  await row.getByTestId("schedule-pause").click();
  await expect(row).toHaveAttribute("data-status", "paused");
  await expect(row.getByTestId("schedule-next-run")).toHaveText("not while paused");
  await page.getByTestId("filter-status").selectOption("active");
  await page.getByTestId("filter-apply").click();
  await expect(page.getByTestId("schedules-empty")).toBeVisible();
  await page.getByTestId("filter-status").selectOption("paused");
  await page.getByTestId("filter-apply").click();
  await expect(page).toHaveURL(/status=paused/);
  await expect(page.getByTestId("schedule-row")).toHaveCount(1);
  const stored = await query(server.url, "schedules.list", { hostId }, { session });
  expect(stored.data?.items).toHaveLength(1);
  expect(stored.data?.items[0]).toMatchObject({
    kind: "backup",
    backupSetId: setId,
    timing: { type: "daily", time: "03:15" },
    timeZone: null,
    overlap: "skip",
    paused: true,
    problem: null,
  });

  // Run now, paused or not: the job page follows the real backup to its end.
  await row.getByTestId("schedule-run-now").click();
  await expect(page).toHaveURL(/\/jobs\/[^/]+$/);
  const jobId = new URL(page.url()).pathname.split("/").at(-1) ?? "";
  await expectJobState(page, "succeeded");

  // The host page: the set's schedule, still paused, has this run as its last; so do its jobs.
  await page.goto(`/hosts/${hostId}`);
  await expect(page.getByTestId("host-agent-too-old")).toHaveCount(0);
  const schedule = page
    .locator('[data-testid="backup-set-row"][data-set-name="home"]')
    .getByTestId("set-schedule");
  await expect(schedule).toContainText("Every day at 03:15");
  await expect(schedule.getByTestId("schedule-status")).toHaveAttribute("data-status", "paused");
  await expect(schedule.getByTestId("schedule-last-run")).toHaveAttribute(
    "data-state",
    "succeeded",
  );
  await expect(schedule.getByTestId("schedule-last-run-link")).toHaveAttribute(
    "href",
    `/jobs/${jobId}`,
  );
  const backups = page
    .getByTestId("host-jobs")
    .locator('[data-testid="job-row"][data-kind="backup"]');
  await expect(backups).toHaveCount(1);
  await expect(backups).toHaveAttribute("data-state", "succeeded");
  await expect(backups.getByTestId("job-link")).toHaveAttribute("href", `/jobs/${jobId}`);
});

test("a set's retention is previewed as a dry run before it is saved; a check read in parts shows its coverage on the repository page", async ({
  page,
  server,
  fleet,
}) => {
  test.setTimeout(150_000);
  const session = await setupAdmin(server.url, ADMIN);
  const { hostId, setId } = await backupSetOnRealAgent(server.url, session, fleet, smallTree);
  for (let i = 0; i < 2; i++) await runBackup(server.url, session, setId);
  await signIn(page, ADMIN);

  // No rule at all cannot be previewed: the server says why.
  await page.goto(`/hosts/${hostId}`);
  await page.getByTestId("backup-set-edit").click();
  const dialog = page.getByTestId("backup-set-dialog");
  await dialog.getByTestId("retention-preview").click();
  await expect(dialog.getByTestId("retention-preview-error")).toHaveText(
    "This retention policy keeps nothing: give at least one keep rule",
  );

  // Keep the last one: the dry run on the maintenance host keeps one snapshot, removes the other.
  await dialog.getByTestId("set-field-policy.keepLast").fill("1");
  await dialog.getByTestId("retention-preview").click();
  const summary = dialog.getByTestId("retention-preview-summary");
  await expect(summary).toHaveAttribute("data-kept", "1", { timeout: JOB_TIMEOUT_MS });
  await expect(summary).toHaveAttribute("data-removed", "1");
  await expect(summary).toContainText("Keeps 1 snapshot, removes 1.");
  await expect(dialog.getByTestId("retention-kept").getByTestId("retention-snapshot")).toHaveCount(
    1,
  );
  await expect(
    dialog.getByTestId("retention-removed").getByTestId("retention-snapshot"),
  ).toHaveCount(1);
  await dialog.getByTestId("set-forget-after-backup").check();
  await dialog.getByTestId("set-submit").click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId("backup-set-retention")).toHaveText(
    "keeps last 1, after each backup",
  );
  const sets = await query(server.url, "backupSets.list", { hostId }, { session });
  expect(sets.data?.items[0]).toMatchObject({
    retention: { keepLast: 1 },
    forgetAfterBackup: true,
  });

  // A check reading the data in three parts, run once: one part read, two to go.
  await page.goto("/schedules");
  await page.getByTestId("new-schedule").click();
  const form = page.getByTestId("schedule-dialog");
  await form.getByTestId("schedule-kind").selectOption("check");
  await form.getByTestId("schedule-repository").selectOption({ label: "office" });
  await form.getByTestId("schedule-timing-type").selectOption("weekly");
  await form.getByTestId("schedule-day-0").check();
  await form.getByTestId("schedule-time").fill("04:00");
  await expect(form.getByTestId("schedule-preview-description")).toHaveText(
    "Every Sunday, Monday at 04:00",
  );
  await form.getByTestId("schedule-read-parts").fill("3");
  await form.getByTestId("schedule-submit").click();
  await expect(form).toBeHidden();
  const row = page.locator('[data-testid="schedule-row"][data-kind="check"]');
  await expect(row).toHaveAttribute("data-status", "active");
  await row.getByTestId("schedule-run-now").click();
  await expectJobState(page, "succeeded");

  const repositories = await query(server.url, "repositories.list", undefined, { session });
  await page.goto(`/repositories/${repositories.data?.items[0]?.id}`);
  const checks = page.getByTestId("repo-checks-card");
  await expect(checks.getByTestId("check-coverage-text")).toHaveText(
    "Parts 2, 3 of 3 still unread.",
  );
  await expect(checks.getByTestId("check-last-run").getByTestId("job-state")).toHaveText(
    "succeeded",
  );
  await expect(checks.getByTestId("schedule-row")).toHaveCount(1);
  await checks.getByTestId("repo-schedules-link").click();
  await expect(page).toHaveURL(/\/schedules\?repository=/);
  await expect(page.getByTestId("schedule-row")).toHaveCount(1);
});
