import { mutation, query, setupAdmin } from "../support/api";
import { ADMIN, expect, sessionCookie, signIn } from "../support/fixtures";
import { test, writeRandomTree } from "../support/fleet";
import {
  enrollHostThroughUi,
  expectJobState,
  JOB_TIMEOUT_MS,
  registerRepository,
} from "../support/ui";

interface RepositoryDetail {
  status: string;
  snapshotCount: number | null;
  totalSize: number | null;
  rawSize: number | null;
  hosts: { host: string; snapshotCount: number }[];
  maintenanceHostName: string | null;
  appendOnlyHosts: { name: string }[];
  backupSets: { name: string; hostName: string }[];
  history: { snapshotCount: number; totalSize: number }[];
}

test("a repository created through a real agent takes a backup set's snapshot and its health card follows", async ({
  page,
  server,
  fleet,
}) => {
  test.setTimeout(120_000);
  await setupAdmin(server.url, ADMIN);
  const restServer = await fleet.startRestServer();
  await signIn(page, ADMIN);
  const hostName = await enrollHostThroughUi(page, server.url, fleet);

  // Created (init) by the agent; the same rest-server URL serves as the maintenance endpoint,
  // with the agent's host as the one allowed to forget, prune and unlock.
  const url = `rest:${restServer}/office`;
  await registerRepository(page, {
    name: "office",
    url,
    password: "repository password 1",
    setupHost: hostName,
    maintenance: { url, host: hostName },
  });
  await page.getByTestId("repo-setup-done").click();
  const card = page.locator('[data-testid="repository-card"][data-repo-name="office"]');
  await expect(card.getByTestId("repo-status")).toHaveText("ready");
  // The server reads the new repository's health: empty.
  await expect(card.getByTestId("repo-snapshots")).toHaveText("0", { timeout: JOB_TIMEOUT_MS });
  await expect(card.getByTestId("repo-maintenance-host")).toContainText(hostName);
  await expect(card.getByTestId("repo-append-only")).toHaveAttribute("data-count", "0");
  await expect(card.getByTestId("repo-last-check")).toHaveText("never");

  // A backup set on the host, run now: the job page follows it to the end.
  const tree = await fleet.tempDir("rm-e2e-tree-");
  await writeRandomTree(tree, 4, 256 * 1024);
  await page.getByTestId("nav-hosts").click();
  await page.getByTestId("host-link").click();
  const sets = page.getByTestId("host-backup-sets");
  await expect(sets.getByTestId("backup-sets-empty")).toBeVisible();
  await page.getByTestId("add-backup-set").click();
  const dialog = page.getByTestId("backup-set-dialog");
  await dialog.getByTestId("set-name").fill("home");
  await dialog.getByTestId("set-repository").selectOption({ label: "office" });
  await dialog.getByTestId("set-field-paths").fill(tree);
  await dialog.getByTestId("set-field-tags").fill("daily");
  await dialog.getByTestId("set-submit").click();
  const row = sets.locator('[data-testid="backup-set-row"][data-set-name="home"]');
  await expect(row.getByTestId("backup-set-paths")).toHaveText(tree);
  await row.getByTestId("backup-set-run").click();
  await expect(page).toHaveURL(/\/jobs\/[^/]+$/);
  await expectJobState(page, "succeeded");
  const snapshotId = (await page.getByTestId("snapshot-id").textContent()) ?? "";
  expect(snapshotId).toMatch(/^[0-9a-f]{64}$/);

  // The server refreshes the health after the backup: the card counts the snapshot.
  await page.getByTestId("nav-repositories").click();
  await card.getByTestId("repository-link").click();
  await expect(page.getByTestId("page-repository")).toBeVisible();
  await expect(page.getByTestId("repo-snapshots")).toHaveText("1", { timeout: JOB_TIMEOUT_MS });
  await expect(page.getByTestId("repo-total-size")).not.toHaveText(/^(—|0 B)$/);
  await expect(page.getByTestId("repo-raw-size")).not.toHaveText(/^(—|0 B)$/);
  await expect(page.getByTestId("repo-dedup")).toHaveText(/^\d+\.\d\d×$/);
  await expect(
    page.locator(`[data-testid="repo-host-row"][data-host="${hostName}"]`),
  ).toContainText("1 snapshot");
  await expect(page.getByTestId("repo-size-chart")).toBeVisible();
  await expect(page.getByTestId("repo-backup-sets").getByTestId("backup-set-row")).toHaveText(
    new RegExp(`home.*${hostName}`),
  );

  // What the card shows is what the server kept.
  const session = await sessionCookie(page);
  const id = new URL(page.url()).pathname.split("/").at(-1) ?? "";
  const stored = (await query(server.url, "repositories.get", { id }, { session }))
    .data as RepositoryDetail;
  expect(stored).toMatchObject({
    status: "ready",
    snapshotCount: 1,
    maintenanceHostName: hostName,
    appendOnlyHosts: [],
    backupSets: [{ name: "home", hostName }],
    hosts: [{ host: hostName, snapshotCount: 1 }],
  });
  expect(stored.totalSize).toBeGreaterThan(0);
  expect(stored.rawSize).toBeGreaterThan(0);
  await expect(page.getByTestId("repo-total-size")).toHaveAttribute(
    "data-value",
    String(stored.totalSize),
  );
  await expect(page.getByTestId("repo-raw-size")).toHaveAttribute(
    "data-value",
    String(stored.rawSize),
  );
  expect(stored.history.at(0)).toMatchObject({ snapshotCount: 0, totalSize: 0 });
  expect(stored.history.at(-1)).toMatchObject({ snapshotCount: 1 });
  await expect(page.getByTestId("repo-size-chart")).toHaveAttribute(
    "data-points",
    String(stored.history.length),
  );

  // While the set uses it, the repository cannot be deleted: the server says why.
  await page.getByTestId("repo-delete").click();
  await page.getByTestId("confirm-action").click();
  await expect(page.getByTestId("confirm-dialog").getByRole("alert")).toContainText(
    `"office" is used by backup sets "home" on ${hostName}`,
  );
});

test("a wrong set-up is withdrawn with its reason; forget, prune and unlock are offered only on the maintenance host; the dashboard names the append-only hosts", async ({
  page,
  server,
  fleet,
}) => {
  test.setTimeout(120_000);
  const session = await setupAdmin(server.url, ADMIN);
  const restServer = await fleet.startRestServer();
  await signIn(page, ADMIN);
  const hostName = await enrollHostThroughUi(page, server.url, fleet);
  // A second host, enrolled through the API, whose agent never connects.
  const enrollment = await mutation(server.url, "hosts.createEnrollment", {}, { session });
  const { token } = enrollment.data as { token: string };
  const enrolled = await mutation(server.url, "agent.enroll", {
    token,
    hostname: "laptop-ann",
    os: "windows",
    arch: "x64",
    agentVersion: "0.1.0",
  });
  const laptopId = (enrolled.data as { hostId: string }).hostId;

  // Adopting a repository that is not there: the registration is withdrawn, with restic's reason.
  const url = `rest:${restServer}/office`;
  await registerRepository(
    page,
    { name: "office", url, password: "pw 1", mode: "adopt", setupHost: hostName },
    "withdrawn",
  );
  await expect(page.getByTestId("repo-setup-withdrawn")).toContainText("Registration withdrawn");
  await expect(page.getByTestId("repo-setup-reason")).toContainText("does not exist");
  const list = await query(server.url, "repositories.list", undefined, { session });
  expect(list.data?.items).toEqual([]);

  // Corrected in the same form: create it instead, maintained by the agent's host.
  await page.getByTestId("repo-setup-edit").click();
  await page.getByTestId("repo-mode-init").check();
  await page.getByTestId("repo-maintenance").check();
  await page.getByTestId("repo-maintenance-url").fill(url);
  await page.getByTestId("repo-maintenance-host").selectOption({ label: `${hostName} (online)` });
  await page.getByTestId("repo-submit").click();
  await expect(page.getByTestId("repo-setup")).toHaveAttribute("data-outcome", "ready", {
    timeout: JOB_TIMEOUT_MS,
  });
  await page.getByTestId("repo-setup-done").click();

  // The laptop backs up here too, through the backup endpoint.
  const repositories = await query(server.url, "repositories.list", undefined, { session });
  const repositoryId = repositories.data?.items[0]?.id ?? "";
  const docs = { paths: ["C:\\Users\\ann\\Documents"], useFsSnapshot: true };
  await mutation(
    server.url,
    "backupSets.create",
    { name: "docs", hostId: laptopId, repositoryId, options: docs },
    { session },
  );

  // On the laptop, forget is refused before it is sent: it has append-only access.
  await page.goto(`/hosts/${laptopId}`);
  await page.getByTestId("op-kind").selectOption("forget");
  await expect(page.getByTestId("op-blocked")).toHaveText(
    `Forget runs only on ${hostName}: other hosts have append-only access.`,
  );
  await expect(page.getByTestId("op-submit")).toBeDisabled();
  await page.getByTestId("op-kind").selectOption("backup");
  await expect(page.getByTestId("op-blocked")).toHaveCount(0);
  await expect(page.getByTestId("op-submit")).toBeEnabled();

  // On the maintenance host it runs.
  await page.getByTestId("nav-hosts").click();
  await page
    .locator(`[data-testid="host-row"][data-host-name="${hostName}"]`)
    .getByTestId("host-link")
    .click();
  await page.getByTestId("op-kind").selectOption("unlock");
  await expect(page.getByTestId("op-blocked")).toHaveCount(0);
  await page.getByTestId("op-submit").click();
  await expectJobState(page, "succeeded");
  await expect(page.getByTestId("job-endpoint")).toHaveText("maintenance endpoint");

  // The dashboard: each repository's health at a glance (it refreshes every few seconds), and
  // who can only add backups.
  await page.getByTestId("nav-dashboard").click();
  const row = page.locator('[data-testid="dashboard-repository-row"][data-repo-name="office"]');
  await expect(row.getByTestId("dashboard-repo-snapshots")).toHaveText("0", {
    timeout: JOB_TIMEOUT_MS,
  });
  await expect(row.getByTestId("dashboard-repo-check")).toHaveAttribute("data-check", "never");
  await expect(row.getByTestId("dashboard-repo-stale-locks")).toHaveText("none");
  await expect(page.getByTestId("dashboard-append-only")).toContainText(
    "Hosts with append-only access only: laptop-ann.",
  );
});
