import { type ChildProcess, execFile, spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { promisify } from "node:util";
import { AGENT_DIR, toolsEnv } from "@restic-manager/test-support";
import { mutation, setupAdmin } from "../support/api";
import { ADMIN, expect, signIn } from "../support/fixtures";
import { test } from "../support/fleet";
import { enrollHostThroughUi, expectJobState } from "../support/ui";

/**
 * The server offers the agent it serves (apps/agent/dist, version from apps/agent/package.json)
 * to hosts running another one; the fleet's agents run from source ("dev"), so they are offered
 * it, and the update they are asked for fails with the reason: they cannot replace a bundle.
 */
test("the host page offers an agent update to admins, and the update job says why a source agent refuses it", async ({
  page,
  server,
  fleet,
}) => {
  test.setTimeout(90_000);
  await setupAdmin(server.url, ADMIN);
  await signIn(page, ADMIN);
  const hostName = await enrollHostThroughUi(page, server.url, fleet);

  const row = page.locator(`[data-testid="host-row"][data-host-name="${hostName}"]`);
  await expect(row.getByTestId("host-agent-update-marker")).toContainText("update: 0.1.0");
  await row.getByTestId("host-link").click();
  await expect(page.getByTestId("host-agent-update")).toContainText("Update available: 0.1.0");

  await page.getByTestId("host-agent-update-button").click();
  await page.getByTestId("host-agent-update-job").click();
  await expectJobState(page, "failed");
  await expect(page.getByTestId("job-error")).toContainText("runs from source");
  // An update is asked for again from the host page, not retried from the job.
  await expect(page.getByTestId("job-retry")).toHaveCount(0);
});

test("a host whose agent is too old to connect says to reinstall it, with the command", async ({
  page,
  server,
  fleet,
}) => {
  test.setTimeout(90_000);
  const session = await setupAdmin(server.url, ADMIN);
  // An agent that speaks protocol 0, older than any this server supports.
  const outdir = await fleet.tempDir("rm-e2e-ancient-");
  await promisify(execFile)(process.execPath, ["build.mjs"], {
    cwd: AGENT_DIR,
    env: {
      ...process.env,
      RM_AGENT_BUILD_VERSION: "0.0.1",
      RM_AGENT_BUILD_PROTOCOL: "0",
      RM_AGENT_BUILD_OUTDIR: outdir,
    },
  });
  const enrollment = await mutation(server.url, "hosts.createEnrollment", {}, { session });
  const configFile = await fleet.enrollAgent(server.url, enrollment.data?.token ?? "");
  let ancient: ChildProcess | undefined;
  try {
    ancient = spawn(
      process.execPath,
      [path.join(outdir, "agent.mjs"), "run", "--config", configFile],
      { env: toolsEnv(), stdio: "ignore" },
    );
    await signIn(page, ADMIN);
    await page.getByTestId("nav-hosts").click();
    const marker = page.getByTestId("host-agent-too-old-marker");
    await expect(async () => {
      await page.reload();
      await expect(marker).toBeVisible({ timeout: 1000 });
    }).toPass({ timeout: 30_000 });
    await page.getByTestId("host-link").click();
    const notice = page.getByTestId("host-agent-too-old-to-connect");
    await expect(notice).toContainText(
      "This agent (version 0.0.1, protocol 0) is too old for this server (speaks 1–4)",
    );
    await expect(page.getByTestId("reinstall-command")).toContainText(
      `curl -fsSL ${server.url}/agent/install.sh | sudo sh`,
    );
    await expect(page.getByTestId("host-agent-update-button")).toHaveCount(0);
  } finally {
    if (ancient && ancient.exitCode === null) {
      const exited = once(ancient, "exit");
      ancient.kill("SIGTERM");
      await exited;
    }
  }
});
