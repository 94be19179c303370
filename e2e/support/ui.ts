import type { Page } from "@playwright/test";
import { expect } from "./fixtures";
import type { Fleet } from "./fleet";

/** How long a job on a real agent may take in these tests. */
export const JOB_TIMEOUT_MS = 30_000;

/** Picks an operation on the host page, fills its fields, runs it; returns the new job's id. */
export async function runOperation(page: Page, kind: string, fill: Record<string, string> = {}) {
  await page.getByTestId("op-kind").selectOption(kind);
  for (const [field, value] of Object.entries(fill)) {
    await page.getByTestId(`op-field-${field}`).fill(value);
  }
  await page.getByTestId("op-submit").click();
  await expect(page).toHaveURL(/\/jobs\/[^/]+$/);
  return page.url().split("/").at(-1) ?? "";
}

export async function expectJobState(page: Page, state: string) {
  await expect(page.getByTestId("page-job")).toHaveAttribute("data-state", state, {
    timeout: JOB_TIMEOUT_MS,
  });
}

/**
 * "Add host" in the UI; a real agent enrolls with the token of the install command and runs.
 * Returns the host's name once it shows online in the hosts list.
 */
export async function enrollHostThroughUi(page: Page, serverUrl: string, fleet: Fleet) {
  await page.getByTestId("nav-hosts").click();
  await page.getByTestId("add-host").click();
  await page.getByTestId("enrollment-submit").click();
  const command = (await page.getByTestId("install-command").textContent()) ?? "";
  const token = /RM_ENROLL_TOKEN=(\S+)/.exec(command)?.[1] ?? "";
  expect(token).not.toBe("");
  await page.getByTestId("add-host-done").click();
  fleet.startAgent(await fleet.enrollAgent(serverUrl, token));

  const hostRow = page.getByTestId("host-row");
  await expect(hostRow.getByTestId("host-status")).toHaveAttribute("data-status", "online", {
    timeout: 20_000,
  });
  return (await hostRow.getAttribute("data-host-name")) ?? "";
}

export interface RepositoryForm {
  name: string;
  url: string;
  password: string;
  env?: string;
  mode?: "init" | "adopt";
  /** The host that sets it up, by name; it must be online. */
  setupHost: string;
  maintenance?: { url: string; host: string };
}

/** Registers a repository in the "Add repository" dialog and waits for how its set-up ends. */
export async function registerRepository(
  page: Page,
  form: RepositoryForm,
  outcome: "ready" | "withdrawn" = "ready",
) {
  await page.getByTestId("nav-repositories").click();
  await page.getByTestId("add-repository").click();
  await page.getByTestId("repo-name").fill(form.name);
  await page.getByTestId("repo-url").fill(form.url);
  await page.getByTestId("repo-password").fill(form.password);
  if (form.env) await page.getByTestId("repo-env").fill(form.env);
  await page.getByTestId(`repo-mode-${form.mode ?? "init"}`).check();
  await page.getByTestId("repo-setup-host").selectOption({ label: `${form.setupHost} (online)` });
  if (form.maintenance) {
    await page.getByTestId("repo-maintenance").check();
    await page.getByTestId("repo-maintenance-url").fill(form.maintenance.url);
    await page
      .getByTestId("repo-maintenance-host")
      .selectOption({ label: `${form.maintenance.host} (online)` });
  }
  await page.getByTestId("repo-submit").click();
  await expect(page.getByTestId("repo-setup")).toHaveAttribute("data-outcome", outcome, {
    timeout: JOB_TIMEOUT_MS,
  });
}
