import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Page } from "@playwright/test";
import { changeTree, generateTree, TREE_CHANGES } from "@restic-manager/test-support";
import { mutation, query, setupAdmin } from "../support/api";
import { backupSetOnRealAgent, runBackup } from "../support/backupSet";
import { ADMIN, expect, signIn } from "../support/fixtures";
import { test } from "../support/fleet";
import { JOB_TIMEOUT_MS } from "../support/ui";

/** How long an agent may take to answer a snapshot query in these tests. */
const READ_TIMEOUT_MS = 30_000;
const PICKED = ["note-01.txt", "note-02.txt"];

test("a snapshot is compared, browsed two folders deep, a file and a folder downloaded, and two files picked in it restored into a directory the host allows", async ({
  page,
  server,
  fleet,
}) => {
  test.setTimeout(180_000);
  const session = await setupAdmin(server.url, ADMIN);
  const { hostId, hostName, setId, repositoryId, tree } = await backupSetOnRealAgent(
    server.url,
    session,
    fleet,
    generateTree,
  );
  // Two snapshots: the fixture tree, then one file changed, one added, one removed.
  await runBackup(server.url, session, setId);
  await changeTree(tree);
  await runBackup(server.url, session, setId);
  const restoreRoot = await fleet.tempDir("rm-e2e-restore-");
  // A host with no backup set in the repository: no restore can write to it.
  const enrollment = await mutation(server.url, "hosts.createEnrollment", {}, { session });
  await mutation(server.url, "agent.enroll", {
    token: enrollment.data?.token ?? "",
    hostname: "elsewhere",
    os: "linux",
    arch: "x64",
    agentVersion: "0.0.0-test",
  });
  await signIn(page, ADMIN);

  // The repository's snapshots, read by its host.
  await page.goto(`/repositories/${repositoryId}`);
  await page.getByTestId("repo-snapshots-link").click();
  const rows = page.getByTestId("snapshot-row");
  await expect(rows).toHaveCount(2, { timeout: READ_TIMEOUT_MS });
  await expect(page.getByTestId("read-by")).toHaveText(`Read by ${hostName}`);
  await expect(rows.first()).toContainText(hostName);
  await expect(rows.first()).toContainText("home");

  // Compared, older to newer: what changeTree did, each in its list.
  for (const row of await rows.all()) await row.getByTestId("snapshot-pick").check();
  await page.getByTestId("snapshots-compare").click();
  const compare = page.getByTestId("snapshot-compare");
  await expect(compare.getByTestId("compare-added")).toContainText(TREE_CHANGES.added, {
    timeout: READ_TIMEOUT_MS,
  });
  await expect(compare.getByTestId("compare-added")).toHaveAttribute("data-count", "1");
  await expect(compare.getByTestId("compare-removed")).toContainText(TREE_CHANGES.removed);
  await expect(compare.getByTestId("compare-removed")).toHaveAttribute("data-count", "1");
  await expect(compare.getByTestId("compare-changed")).toContainText(TREE_CHANGES.modified);

  // The newer snapshot, from its root down to the tree's docs folder.
  await rows.first().getByTestId("snapshot-open").click();
  const browser = page.getByTestId("snapshot-browser");
  const folders = tree.split("/").filter(Boolean);
  for (const folder of [...folders, "docs"]) {
    await browser
      .locator(`[data-testid="entry-row"][data-name="${folder}"]`)
      .getByTestId("entry-open")
      .click({ timeout: READ_TIMEOUT_MS });
  }
  const docs = `${tree}/docs`;
  await expect(browser.getByTestId("browser-breadcrumbs")).toHaveAttribute("data-path", docs);
  const note = browser.locator('[data-testid="entry-row"][data-name="note-01.txt"]');
  await expect(note).toHaveAttribute("data-type", "file");
  await expect(note).toContainText("-rw-r--r--");

  // A file downloads as itself, byte for byte; a folder as an archive holding its files.
  const fileDownload = page.waitForEvent("download");
  await note.getByTestId("entry-download").click();
  const file = await fileDownload;
  expect(file.suggestedFilename()).toBe("note-01.txt");
  const downloaded = await readFile((await file.path()) ?? "");
  expect(downloaded.equals(await readFile(path.join(docs, "note-01.txt")))).toBe(true);
  await expect(page.getByTestId("download-error")).toHaveCount(0);

  for (const name of PICKED) {
    await browser
      .locator(`[data-testid="entry-row"][data-name="${name}"]`)
      .getByTestId("entry-pick")
      .check();
  }

  // The selection stays while going up and into another folder and back.
  await browser.getByTestId("breadcrumb").last().click();
  await expect(browser.getByTestId("browser-breadcrumbs")).toHaveAttribute("data-path", tree);
  await browser
    .locator('[data-testid="entry-row"][data-name="src"]')
    .getByTestId("entry-open")
    .click();
  const nested = browser.locator('[data-testid="entry-row"][data-name="nested"]');
  const folderDownload = page.waitForEvent("download");
  await nested.getByTestId("entry-download-tar").click();
  const archive = await folderDownload;
  expect(archive.suggestedFilename()).toMatch(/nested.*\.tar$/);
  const tar = await readFile((await archive.path()) ?? "");
  expect(tar.includes("file-1.bin")).toBe(true);
  await expect(page.getByTestId("selection-bar")).toHaveAttribute("data-count", "2");
  await page.goBack();
  await page.goBack();
  await expect(browser.getByTestId("browser-breadcrumbs")).toHaveAttribute("data-path", docs);
  await expect(note.getByTestId("entry-pick")).toBeChecked();

  // The original location is only offered with an explicit confirmation.
  await page.getByTestId("restore-open").click();
  const wizard = page.getByTestId("restore-wizard");
  await wizard.getByTestId("restore-target-original").check();
  await wizard.getByTestId("restore-next").click();
  await wizard.getByTestId("restore-next").click();
  await expect(wizard.getByTestId("restore-start")).toBeDisabled();
  await wizard.getByTestId("restore-confirm-overwrite").check();
  await expect(wizard.getByTestId("restore-start")).toBeEnabled();
  await wizard.getByTestId("restore-back").click();
  await wizard.getByTestId("restore-back").click();

  // Another host is picked from the hosts; one without access to the repository is refused.
  await wizard.getByTestId("restore-target-host").check();
  await wizard.getByTestId("restore-host").selectOption({ label: "elsewhere (offline)" });
  await expect(wizard).toContainText("elsewhere has no access to this repository");
  await expect(wizard.getByTestId("restore-next")).toBeDisabled();
  await wizard.getByTestId("restore-host").selectOption({ label: `${hostName} (online)` });
  await expect(wizard.getByTestId("restore-next")).toBeEnabled();
  await expect(wizard.getByTestId("restore-roots")).toBeVisible();

  // Another directory: the host allows none yet, so the admin allows one right here.
  await wizard.getByTestId("restore-target-path").check();
  await expect(wizard.getByTestId("roots-none")).toBeVisible();
  await wizard.getByTestId("restore-roots-edit").click();
  await wizard.getByTestId("roots-input").fill(restoreRoot);
  await wizard.getByTestId("roots-save").click();
  await expect(wizard.getByTestId("roots-list")).toHaveText(restoreRoot);
  const target = `${restoreRoot}/out`;
  await wizard.getByTestId("restore-path").fill(target);
  await wizard.getByTestId("restore-next").click();
  await expect(wizard.getByTestId("restore-step-options")).toBeVisible();
  await wizard.getByTestId("restore-next").click();
  await expect(wizard.getByTestId("restore-review")).toContainText(
    `2 items from snapshot ${await snapshotShortId(page)} (${hostName}`,
  );
  await expect(wizard.getByTestId("restore-review")).toContainText(
    `will be written to ${hostName}:${target}; existing files: if changed.`,
  );
  await wizard.getByTestId("restore-start").click();

  // Followed live to its end: the two files and the folders above them restored (restic counts
  // both), none skipped, none failed.
  const run = wizard.getByTestId("restore-run");
  await expect(run).toHaveAttribute("data-state", "succeeded", { timeout: JOB_TIMEOUT_MS });
  const written = PICKED.length + folders.length + 1;
  await expect(run.getByTestId("restore-restored")).toHaveText(`${written} files and folders`);
  await expect(run.getByTestId("restore-skipped")).toHaveText("0 files and folders");
  await expect(run.getByTestId("restore-failed")).toHaveText("0 items");

  // What persisted: the host's allowed directory, the job's result, the files byte for byte.
  const host = await query(server.url, "hosts.get", { id: hostId }, { session });
  expect(host.data?.restoreRoots).toEqual([restoreRoot]);
  const jobHref = (await run.getByTestId("restore-job-link").getAttribute("href")) ?? "";
  const job = await query(
    server.url,
    "jobs.get",
    { id: jobHref.split("/").at(-1) ?? "" },
    { session },
  );
  expect(job.data).toMatchObject({ kind: "restore", state: "succeeded", hostId });
  for (const name of PICKED) {
    const restored = await readFile(path.join(target, docs, name));
    expect(restored.equals(await readFile(path.join(docs, name)))).toBe(true);
  }
  // Only what was picked: nothing else of the folder came back.
  await expect(readFile(path.join(target, docs, "note-03.txt"))).rejects.toThrow();
});

async function snapshotShortId(page: Page): Promise<string> {
  const id = (await page.getByTestId("page-snapshot").getAttribute("data-snapshot-id")) ?? "";
  return id.slice(0, 8);
}
