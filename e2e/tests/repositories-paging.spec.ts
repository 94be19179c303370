import { mutation, setupAdmin } from "../support/api";
import { ADMIN, expect, signIn, test } from "../support/fixtures";

/**
 * Repositories registered through the API with a set-up job on a host whose agent never runs:
 * they stay "being set up", which is all a list and a picker need of them.
 */
async function registerRepositories(url: string, session: string, names: string[]) {
  const enrollment = await mutation(url, "hosts.createEnrollment", {}, { session });
  const enrolled = await mutation(url, "agent.enroll", {
    token: enrollment.data?.token ?? "",
    hostname: "box",
    os: "linux",
    arch: "x64",
    agentVersion: "0.0.0-test",
  });
  const hostId = enrolled.data?.hostId ?? "";
  for (const name of names) {
    const created = await mutation(
      url,
      "repositories.create",
      {
        name,
        url: `rest:http://127.0.0.1:9/${name}`,
        password: "pw",
        setup: { mode: "adopt", hostId },
      },
      { session },
    );
    expect(created.status).toBe(200);
  }
  return hostId;
}

test("the repositories page shows a page at a time and searches by name; repository pickers find one beyond the first page", async ({
  page,
  server,
}) => {
  test.setTimeout(90_000);
  const session = await setupAdmin(server.url, ADMIN);
  const names = Array.from({ length: 52 }, (_, i) => `r-${String(i).padStart(2, "0")}`);
  const hostId = await registerRepositories(server.url, session, names);
  await signIn(page, ADMIN);

  await page.getByTestId("nav-repositories").click();
  const cards = page.getByTestId("repository-card");
  await expect(cards).toHaveCount(50);
  await expect(cards.last()).toHaveAttribute("data-repo-name", "r-49");
  await page.getByTestId("repositories-load-more").click();
  await expect(cards).toHaveCount(52);
  await expect(page.getByTestId("repositories-load-more")).toHaveCount(0);
  await page.getByTestId("repositories-search").fill("r-5");
  await expect(cards).toHaveCount(2);
  await expect(cards.first()).toHaveAttribute("data-repo-name", "r-50");
  await page.getByTestId("repositories-search").fill("nothing-like-this");
  await expect(page.getByTestId("repositories-empty")).toBeVisible();

  // The host page's operation form offers the first page of repositories and finds the rest.
  await page.goto(`/hosts/${hostId}`);
  const form = page.getByTestId("run-operation");
  const repository = form.getByTestId("op-repository");
  await expect(repository.locator("option")).toHaveCount(50);
  await expect(repository.locator("option", { hasText: "r-51" })).toHaveCount(0);
  await form.getByTestId("repository-search").fill("r-51");
  await expect(repository.locator("option", { hasText: "r-51" })).toHaveCount(1);
  await repository.selectOption({ label: "r-51 (setting up)" });
  await expect(form.getByTestId("op-blocked")).toHaveText("“r-51” is still being set up.");

  // The schedules page's repository filter too; the address bar keeps the choice.
  await page.getByTestId("nav-schedules").click();
  const filters = page.getByTestId("schedule-filters");
  await filters.getByTestId("repository-search").fill("r-51");
  await filters.getByTestId("filter-repository").selectOption({ label: "r-51" });
  await filters.getByTestId("filter-apply").click();
  await expect(page).toHaveURL(/repository=repo_/);
  // Read again from the address bar: the chosen repository beyond the first page stays named.
  await page.reload();
  await expect(
    page.getByTestId("schedule-filters").getByTestId("filter-repository").locator("option:checked"),
  ).toHaveText("r-51");
});
