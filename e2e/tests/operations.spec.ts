import { mutation, setupAdmin } from "../support/api";
import { ADMIN, expect, signIn, test } from "../support/fixtures";

const VIEWER = { username: "vera", password: "viewer password 1" };

/** A host enrolled through the API, whose agent never connects. */
async function enrollOfflineHost(url: string, session: string) {
  const enrollment = await mutation(
    url,
    "hosts.createEnrollment",
    { expiresInHours: 1 },
    { session },
  );
  const { token } = enrollment.data as { token: string };
  const enrolled = await mutation(url, "agent.enroll", {
    token,
    hostname: "files-01",
    os: "linux",
    arch: "x64",
    agentVersion: "0.1.0",
  });
  return (enrolled.data as { hostId: string }).hostId;
}

test("the operation form checks each kind's options before sending; an offline host's job can be cancelled and retried", async ({
  page,
  server,
}) => {
  const session = await setupAdmin(server.url, ADMIN);
  const hostId = await enrollOfflineHost(server.url, session);
  await signIn(page, ADMIN);

  await page.getByTestId("nav-hosts").click();
  const row = page.locator('[data-testid="host-row"][data-host-name="files-01"]');
  await expect(row.getByTestId("host-status")).toHaveAttribute("data-status", "offline");
  await expect(row.getByTestId("host-last-seen")).toHaveText("never connected");
  await row.getByTestId("host-link").click();
  await expect(page).toHaveURL(new RegExp(`/hosts/${hostId}$`));

  // Nothing is sent while the options break the contract: the fields say what is wrong.
  await page.getByTestId("op-submit").click();
  await expect(page.getByText("Required")).toBeVisible();
  await page.getByTestId("op-kind").selectOption("forget");
  await page.getByTestId("op-submit").click();
  await expect(page.getByTestId("op-form-error")).toHaveText(
    "Give a retention rule or the snapshots to forget",
  );
  await page.getByTestId("op-field-policy.keepDaily").fill("lots");
  await page.getByTestId("op-submit").click();
  await expect(page.getByText("Enter a whole number or “unlimited”")).toBeVisible();
  await page.getByTestId("op-kind").selectOption("restore");
  await page.getByTestId("op-field-target").fill("/srv/restore");
  await page.getByTestId("op-field-includes").fill("/home");
  await page.getByTestId("op-field-excludes").fill("/home/tmp");
  await page.getByTestId("op-submit").click();
  await expect(page.getByTestId("op-form-error")).toContainText("either include or exclude");
  await expect(page).toHaveURL(new RegExp(`/hosts/${hostId}$`));

  // A valid job waits for the agent; it can be cancelled, then retried as a new job.
  await page.getByTestId("op-kind").selectOption("version");
  await expect(page.getByTestId("op-repository")).toHaveCount(0);
  await page.getByTestId("op-submit").click();
  await expect(page.getByTestId("page-job")).toHaveAttribute("data-state", "queued");
  const firstUrl = page.url();
  await page.getByTestId("job-cancel").click();
  await expect(page.getByTestId("page-job")).toHaveAttribute("data-state", "cancelled");
  await expect(page.getByTestId("job-error")).toContainText("The job was cancelled");
  await page.getByTestId("job-retry").click();
  await expect(page).not.toHaveURL(firstUrl);
  await expect(page.getByTestId("page-job")).toHaveAttribute("data-state", "queued");

  // The jobs list filters by state and links back to each job.
  await page.goto("/jobs");
  await expect(page.getByTestId("job-row")).toHaveCount(2);
  await page.getByTestId("filter-state").selectOption("cancelled");
  await page.getByTestId("filter-apply").click();
  await expect(page).toHaveURL(/state=cancelled/);
  await expect(page.getByTestId("job-row")).toHaveCount(1);
  await page.getByTestId("job-link").click();
  await expect(page).toHaveURL(firstUrl);
});

test("a viewer sees hosts and jobs but no way to run, enroll, revoke or add", async ({
  page,
  server,
}) => {
  const session = await setupAdmin(server.url, ADMIN);
  const hostId = await enrollOfflineHost(server.url, session);
  await mutation(server.url, "users.create", { ...VIEWER, role: "viewer" }, { session });
  await signIn(page, VIEWER);

  await page.getByTestId("nav-hosts").click();
  await expect(page.getByTestId("host-row")).toHaveCount(1);
  await expect(page.getByTestId("add-host")).toHaveCount(0);
  await page.goto(`/hosts/${hostId}`);
  await expect(page.getByTestId("host-summary")).toBeVisible();
  await expect(page.getByTestId("run-operation")).toHaveCount(0);
  await expect(page.getByTestId("host-danger-zone")).toHaveCount(0);
  await page.goto("/repositories");
  await expect(page.getByTestId("empty-state")).toBeVisible();
  await expect(page.getByTestId("add-repository")).toHaveCount(0);
});
