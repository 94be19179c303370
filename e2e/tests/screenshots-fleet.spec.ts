import type { Page } from "@playwright/test";
import {
  type Credentials,
  type InputOf,
  mutation,
  type OutputOf,
  type ProcedurePath,
  query,
  setupAdmin,
} from "../support/api";
import { ADMIN, expect, signIn } from "../support/fixtures";
import { test, writeRandomTree } from "../support/fleet";

// Not a check: pictures of the fleet pages for a person to look at, in
// test-results/screens/. Runs only with RM_E2E_SCREENSHOTS=1 (see playwright.config.ts).

const VARIANTS = [
  { name: "desktop-light", viewport: { width: 1280, height: 800 }, scheme: "light" },
  { name: "desktop-dark", viewport: { width: 1280, height: 800 }, scheme: "dark" },
  { name: "phone-light", viewport: { width: 390, height: 844 }, scheme: "light" },
  { name: "phone-dark", viewport: { width: 390, height: 844 }, scheme: "dark" },
] as const;

async function shoot(page: Page, name: string) {
  await page.waitForTimeout(300);
  await page.screenshot({ path: `test-results/screens/${name}.png`, fullPage: true });
}

async function call<P extends ProcedurePath>(
  url: string,
  procedure: P,
  input: InputOf<P>,
  credentials: Credentials,
) {
  const result = await mutation(url, procedure, input, credentials);
  if (result.status !== 200) throw new Error(`${procedure}: ${JSON.stringify(result.error)}`);
  return result.data as OutputOf<P>;
}

async function runJob(url: string, session: string, input: InputOf<"jobs.create">) {
  const { id } = await call(url, "jobs.create", input, { session });
  await waitForJob(url, session, id);
  return id;
}

async function waitForJob(url: string, session: string, id: string) {
  await expect
    .poll(async () => {
      const job = await query(url, "jobs.get", { id }, { session });
      return (job.data as { state: string }).state;
    })
    .toMatch(/succeeded|failed|cancelled|lost/);
  return id;
}

test("screens of the fleet pages", async ({ page, server, fleet }) => {
  test.setTimeout(240_000);
  const session = await setupAdmin(server.url, ADMIN);
  const rest = await fleet.startRestServer();
  const { token } = (await call(
    server.url,
    "hosts.createEnrollment",
    { note: "nas" },
    { session },
  )) as {
    token: string;
  };
  fleet.startAgent(await fleet.enrollAgent(server.url, token));
  await call(server.url, "hosts.createEnrollment", { note: "laptop of Ann" }, { session });
  await expect
    .poll(async () => {
      const hosts = await query(server.url, "hosts.list", undefined, { session });
      return hosts.data?.items[0]?.online;
    })
    .toBe(true);
  const hosts = await query(server.url, "hosts.list", undefined, { session });
  const hostId = hosts.data?.items[0]?.id ?? "";
  const { repository: repo } = (await call(
    server.url,
    "repositories.create",
    {
      name: "office",
      url: `rest:${rest}/host1`,
      password: "pw 1",
      env: { RESTIC_PACK_SIZE: "4" },
      maintenance: { url: `rest:${rest}/host1`, hostId },
      setup: { mode: "init", hostId },
    },
    { session },
  )) as { repository: { id: string } };
  await expect
    .poll(async () => {
      const got = await query(server.url, "repositories.get", { id: repo.id }, { session });
      return (got.data as { status: string } | undefined)?.status;
    })
    .toBe("ready");
  const base = { hostId, repositoryId: repo.id };
  const tree = await fleet.tempDir("rm-e2e-tree-");
  await writeRandomTree(tree, 24, 4 * 1024 * 1024);

  // A laptop whose agent never connects: it backs up to office with append-only access and
  // is the one to set up a second repository, which stays "setting up".
  const laptop = (await call(server.url, "hosts.createEnrollment", {}, { session })) as {
    token: string;
  };
  const enrolled = await mutation(server.url, "agent.enroll", {
    token: laptop.token,
    hostname: "laptop-ann",
    os: "windows",
    arch: "x64",
    agentVersion: "0.1.0",
  });
  const laptopId = (enrolled.data as { hostId: string }).hostId;
  await call(
    server.url,
    "repositories.create",
    {
      name: "offsite",
      url: "rest:https://user:secret@backup.example.org/host1",
      password: "x",
      setup: { mode: "adopt", hostId: laptopId },
    },
    { session },
  );
  const home = (await call(
    server.url,
    "backupSets.create",
    { name: "home", ...base, options: { paths: [tree], tags: ["daily"], excludes: ["*.tmp"] } },
    { session },
  )) as { id: string };
  await call(
    server.url,
    "backupSets.create",
    {
      name: "documents",
      hostId: laptopId,
      repositoryId: repo.id,
      options: { paths: ["C:\\Users\\ann\\Documents"], useFsSnapshot: true },
    },
    { session },
  );

  const { jobId: backup } = (await call(
    server.url,
    "backupSets.run",
    { id: home.id },
    { session },
  )) as {
    jobId: string;
  };
  await waitForJob(server.url, session, backup);
  const snapshots = await runJob(server.url, session, { ...base, params: { kind: "snapshots" } });
  const ls = await runJob(server.url, session, {
    ...base,
    params: { kind: "ls", snapshotId: "latest" },
  });
  const forget = await runJob(server.url, session, {
    ...base,
    params: { kind: "forget", policy: { keepLast: 1 }, dryRun: true },
  });
  const stats = await runJob(server.url, session, { ...base, params: { kind: "stats" } });
  const failed = await runJob(server.url, session, {
    ...base,
    params: { kind: "restore", snapshotId: "deadbeef", target: `${tree}-restored` },
  });
  const slowTree = await fleet.tempDir("rm-e2e-tree-");
  await writeRandomTree(slowTree, 24, 4 * 1024 * 1024);
  const { id: running } = (await call(
    server.url,
    "jobs.create",
    { ...base, params: { kind: "backup", paths: [slowTree], limitUpload: 2048, tags: ["slow"] } },
    { session },
  )) as { id: string };

  await call(
    server.url,
    "restores.setRoots",
    { hostId, roots: ["/srv/restores", "/home/restores"] },
    { session },
  );
  await signIn(page, ADMIN);
  for (const variant of VARIANTS) {
    await page.setViewportSize(variant.viewport);
    await page.emulateMedia({ colorScheme: variant.scheme });
    await page.goto(`/jobs/${running}`);
    await expect(page.getByTestId("job-progress")).toBeVisible({ timeout: 30_000 });
    await page.waitForTimeout(1500);
    await shoot(page, `20-job-running-${variant.name}`);
  }
  await call(server.url, "jobs.cancel", { id: running }, { session });
  for (const variant of VARIANTS) {
    await page.setViewportSize(variant.viewport);
    await page.emulateMedia({ colorScheme: variant.scheme });
    const tag = variant.name;
    await page.goto("/");
    await expect(page.getByTestId("stat-online")).toBeVisible();
    await shoot(page, `21-dashboard-${tag}`);
    await page.goto("/hosts");
    await expect(page.getByTestId("host-row").first()).toBeVisible();
    await shoot(page, `22-hosts-${tag}`);
    await page.getByTestId("add-host").click();
    await page.getByTestId("enrollment-submit").click();
    await expect(page.getByTestId("install-command")).toBeVisible();
    await shoot(page, `23-add-host-${tag}`);
    await page.keyboard.press("Escape");
    await page.goto(`/hosts/${hostId}`);
    await expect(page.getByTestId("run-operation")).toBeVisible();
    await shoot(page, `24-host-${tag}`);
    await page.getByTestId("backup-set-edit").first().click();
    await expect(page.getByTestId("backup-set-dialog")).toBeVisible();
    await shoot(page, `24-host-backup-set-${tag}`);
    await page.keyboard.press("Escape");
    await page.getByTestId("op-kind").selectOption("forget");
    await page.getByTestId("op-submit").click();
    await shoot(page, `25-host-forget-errors-${tag}`);
    await page.goto(`/hosts/${laptopId}`);
    await page.getByTestId("op-kind").selectOption("forget");
    await expect(page.getByTestId("op-blocked")).toBeVisible();
    await shoot(page, `25-host-forget-append-only-${tag}`);
    await page.goto("/jobs");
    await expect(page.getByTestId("job-row").first()).toBeVisible();
    await shoot(page, `26-jobs-${tag}`);
    for (const [name, id] of [
      ["backup", backup],
      ["snapshots", snapshots],
      ["ls", ls],
      ["forget", forget],
      ["stats", stats],
      ["failed", failed],
      ["cancelled", running],
    ] as const) {
      await page.goto(`/jobs/${id}`);
      await expect(page.getByTestId("job-facts")).toBeVisible();
      await shoot(page, `27-job-${name}-${tag}`);
    }
    await page.goto("/repositories");
    await expect(page.getByTestId("repository-card").first()).toBeVisible();
    await shoot(page, `28-repositories-${tag}`);
    await page.goto(`/repositories/${repo.id}`);
    await expect(page.getByTestId("repo-size-history")).toBeVisible();
    await shoot(page, `28-repository-${tag}`);
    await page.getByTestId("repo-edit").click();
    await expect(page.getByTestId("edit-repository-dialog")).toBeVisible();
    await shoot(page, `28-edit-repository-${tag}`);
    await page.keyboard.press("Escape");
    await page.goto(`/repositories/${repo.id}/snapshots`);
    await expect(page.getByTestId("snapshot-row").first()).toBeVisible({ timeout: 30_000 });
    await shoot(page, `30-snapshots-${tag}`);
    await page.getByTestId("snapshot-open").first().click();
    await page.goto(`${page.url()}&path=${encodeURIComponent(tree)}`);
    const entries = page.getByTestId("entry-row");
    await expect(entries.first()).toBeVisible({ timeout: 30_000 });
    await entries.nth(0).getByTestId("entry-pick").check();
    await entries.nth(2).getByTestId("entry-pick").check();
    await shoot(page, `31-snapshot-browser-${tag}`);
    await page.getByTestId("restore-open").click();
    await page.getByTestId("restore-target-path").check();
    await page.getByTestId("restore-path").fill("/srv/restores/today");
    await shoot(page, `32-restore-target-${tag}`);
    await page.getByTestId("restore-next").click();
    await page.getByTestId("restore-next").click();
    await expect(page.getByTestId("restore-review")).toBeVisible();
    await shoot(page, `32-restore-review-${tag}`);
    await page.keyboard.press("Escape");
    await page.goto("/repositories");
    await page.getByTestId("add-repository").click();
    await page.getByTestId("repo-env").fill("not a variable");
    await page.getByTestId("repo-submit").click();
    await shoot(page, `29-add-repository-${tag}`);
    await page.keyboard.press("Escape");
  }
});
