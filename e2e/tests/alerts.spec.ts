import { mutation, query, setupAdmin } from "../support/api";
import { backupSetOnRealAgent } from "../support/backupSet";
import { ADMIN, expect, test as serverTest, signIn } from "../support/fixtures";
import { test as fleetTest, writeRandomTree } from "../support/fleet";
import { startHttpReceiver, startNtfy, startSmtp } from "../support/receivers";
import { JOB_TIMEOUT_MS } from "../support/ui";

serverTest(
  "a channel of each kind is made in the editor and its Send test shows the receiver's real answer",
  async ({ page, server }) => {
    await setupAdmin(server.url, ADMIN);
    const webhook = await startHttpReceiver();
    const ntfy = await startNtfy();
    const smtp = await startSmtp({ mode: "starttls", users: { mailer: "mail password 1" } });
    try {
      await signIn(page, ADMIN);
      await page.getByTestId("nav-settings").click();
      await page.getByTestId("tab-alerts").click();
      await expect(page.getByTestId("channels-empty")).toBeVisible();
      const dialog = page.getByTestId("channel-dialog");
      const preview = dialog.getByTestId("channel-preview-text");

      // Webhook: the preview is the request as it will go out, signature header included.
      await page.getByTestId("new-channel").click();
      await dialog.getByTestId("channel-kind-webhook").click();
      await dialog.getByTestId("channel-name").fill("ops hook");
      await dialog.getByTestId("channel-webhook-url").fill(`${webhook.url}/hooks/restic`);
      await dialog.getByTestId("channel-webhook-headers").fill("X-Team: backups");
      await dialog.getByTestId("channel-webhook-secret").fill("hook signing secret");
      await expect(preview).toContainText(`POST ${webhook.url}/hooks/restic`);
      await expect(preview).toContainText("X-Restic-Manager-Signature: sha256=");
      await expect(preview).toContainText('"schemaVersion":1');
      await dialog.getByTestId("channel-submit").click();
      await expect(dialog).toBeHidden();

      // ntfy with an access token, against a server that denies everyone else.
      await page.getByTestId("new-channel").click();
      await dialog.getByTestId("channel-kind-ntfy").click();
      await dialog.getByTestId("channel-name").fill("phone");
      await dialog.getByTestId("channel-ntfy-server").fill(ntfy.url);
      await dialog.getByTestId("channel-ntfy-topic").fill("backups");
      await dialog.getByTestId("channel-ntfy-auth").selectOption("token");
      await dialog.getByTestId("channel-ntfy-token").fill(ntfy.token);
      await expect(preview).toContainText(`POST ${ntfy.url}`);
      await dialog.getByTestId("channel-submit").click();
      await expect(dialog).toBeHidden();

      // SMTP over STARTTLS with a self-signed certificate and a password.
      await page.getByTestId("new-channel").click();
      await dialog.getByTestId("channel-kind-smtp").click();
      await dialog.getByTestId("channel-name").fill("on-call mail");
      await dialog.getByTestId("channel-smtp-host").fill(smtp.host);
      // The form suggests the usual port for each encryption.
      await dialog.getByTestId("channel-smtp-encryption").selectOption("tls");
      await expect(dialog.getByTestId("channel-smtp-port")).toHaveValue("465");
      await dialog.getByTestId("channel-smtp-encryption").selectOption("starttls");
      await expect(dialog.getByTestId("channel-smtp-port")).toHaveValue("587");
      await dialog.getByTestId("channel-smtp-port").fill(String(smtp.port));
      await dialog.getByTestId("channel-smtp-username").fill("mailer");
      await dialog.getByTestId("channel-smtp-password").fill("mail password 1");
      await dialog.getByTestId("channel-smtp-from").fill("restic-manager@example.test");
      await dialog.getByTestId("channel-smtp-to").fill("oncall@example.test");
      await dialog.getByTestId("channel-smtp-allow-invalid-cert").check();
      await expect(preview).toContainText("RCPT TO:<oncall@example.test>");
      await expect(preview).toContainText("Subject: [restic-manager] [critical] web1: job_failed");
      await dialog.getByTestId("channel-submit").click();
      await expect(dialog).toBeHidden();

      const row = (name: string) =>
        page.locator(`[data-testid="channel-row"][data-channel-name="${name}"]`);
      const port = new URL(webhook.url).port;
      await expect(row("ops hook").getByTestId("channel-label")).toHaveText(
        `ops hook · webhook://127.0.0.1:${port}… → POST /hooks/…`,
      );
      await expect(row("phone").getByTestId("channel-label")).toHaveText(
        `phone · ntfy://${new URL(ntfy.url).host}… → backups`,
      );
      await expect(row("on-call mail").getByTestId("channel-label")).toHaveText(
        `on-call mail · smtp://127.0.0.1:${smtp.port}… → oncall@example.test`,
      );

      // Send test: each answer is what the receiver really said.
      await row("ops hook").getByTestId("channel-test").click();
      const hookResult = row("ops hook").getByTestId("channel-test-result");
      await expect(hookResult).toHaveAttribute("data-ok", "true");
      await expect(hookResult).toContainText("HTTP 200 OK");
      expect(webhook.requests).toHaveLength(1);
      expect(webhook.requests[0]?.headers["x-team"]).toBe("backups");

      await row("phone").getByTestId("channel-test").click();
      const ntfyResult = row("phone").getByTestId("channel-test-result");
      await expect(ntfyResult).toHaveAttribute("data-ok", "true");
      const [pushed] = await ntfy.messages("backups");
      await expect(ntfyResult).toContainText(`HTTP 200 · message ${pushed?.id ?? "?"}`);

      await row("on-call mail").getByTestId("channel-test").click();
      const mailResult = row("on-call mail").getByTestId("channel-test-result");
      await expect(mailResult).toHaveAttribute("data-ok", "true");
      await expect(mailResult).toContainText("250");
      await expect(mailResult).toContainText("Message queued as test-1");
      expect(smtp.mails).toHaveLength(1);
      expect(smtp.mails[0]).toMatchObject({ user: "mailer", secure: true });

      // A receiver that is gone: the test says so instead of pretending.
      await webhook.close();
      await row("ops hook").getByTestId("channel-test").click();
      await expect(hookResult).toHaveAttribute("data-ok", "false");
      await expect(hookResult).toContainText("Failed");
    } finally {
      await webhook.close();
      await ntfy.stop();
      await smtp.close();
    }
  },
);

fleetTest(
  "a failed backup raises an alert, shown on the dashboard and counted in the navigation, acknowledged from the Alerts page",
  async ({ page, server, fleet }) => {
    fleetTest.setTimeout(120_000);
    const session = await setupAdmin(server.url, ADMIN);
    const credentials = { session };
    const receiver = await startHttpReceiver();
    try {
      await mutation(
        server.url,
        "channels.create",
        {
          name: "ops hook",
          settings: {
            kind: "webhook",
            config: { url: `${receiver.url}/hook`, method: "POST", headers: {} },
          },
        },
        credentials,
      );
      const { hostId, repositoryId } = await backupSetOnRealAgent(
        server.url,
        session,
        fleet,
        (dir) => writeRandomTree(dir, 2, 1024),
      );
      // A set whose only path does not exist on the agent: its backup fails.
      const missing = await mutation(
        server.url,
        "backupSets.create",
        {
          name: "gone",
          hostId,
          repositoryId,
          options: { paths: [`${await fleet.tempDir("rm-e2e-gone-")}/not-there`] },
        },
        credentials,
      );
      const run = await mutation(
        server.url,
        "backupSets.run",
        { id: missing.data?.id ?? "" },
        credentials,
      );
      await expect
        .poll(
          async () =>
            (await query(server.url, "jobs.get", { id: run.data?.jobId ?? "" }, credentials)).data
              ?.state,
          { timeout: JOB_TIMEOUT_MS },
        )
        .toBe("failed");
      await expect
        .poll(
          async () =>
            (await query(server.url, "alerts.counts", undefined, credentials)).data?.total,
        )
        .toBe(1);

      await signIn(page, ADMIN);
      await expect(page.getByTestId("nav-alerts-count")).toHaveText("1");
      const card = page.getByTestId("open-alerts");
      await expect(card.getByTestId("open-alert")).toHaveCount(1);
      await expect(card).toContainText("backup of gone");

      // Tick it, say who is on it, acknowledge.
      await page.getByTestId("nav-alerts").click();
      const row = page.getByTestId("alert-row");
      await expect(row).toHaveCount(1);
      await expect(row).toHaveAttribute("data-kind", "job_failed");
      await expect(row).toHaveAttribute("data-state", "raised");
      await row.getByTestId("alert-select").check();
      await expect(page.getByTestId("alerts-selected")).toHaveText("1 selected");
      await page.getByTestId("alerts-ack-note").fill("path moved, fixing the set");
      await page.getByTestId("alerts-acknowledge").click();
      await expect(row).toHaveAttribute("data-state", "acknowledged");
      await expect(page.getByTestId("alerts-bulk")).toHaveCount(0);
      // Still open: the badge counts open alerts until they are resolved.
      await expect(page.getByTestId("nav-alerts-count")).toHaveText("1");

      // What persisted: the state, who and the note.
      const listed = await query(
        server.url,
        "alerts.list",
        { state: "acknowledged", limit: 10 },
        credentials,
      );
      expect(listed.data?.items).toHaveLength(1);
      expect(listed.data?.items[0]).toMatchObject({
        state: "acknowledged",
        acknowledgedBy: ADMIN.username,
        ackNote: "path moved, fixing the set",
      });

      // The alert's page: its history and each message with every try.
      await page.getByTestId("alerts-tab-acknowledged").click();
      await row.getByTestId("alert-link").click();
      await expect(page.getByTestId("page-alert")).toHaveAttribute("data-state", "acknowledged");
      const history = page.getByTestId("alert-event");
      await expect(history.first()).toHaveAttribute("data-type", "raised");
      await expect(
        page.locator('[data-testid="alert-event"][data-type="acknowledged"]'),
      ).toContainText(`by ${ADMIN.username}`);
      const raisedMessage = page.getByTestId("alert-delivery").first();
      await expect(raisedMessage).toHaveAttribute("data-state", "sent");
      await expect(raisedMessage.getByTestId("delivery-attempt").first()).toContainText(
        "HTTP 200 OK",
      );

      // Resolving by hand closes it, and the navigation's count goes.
      await page.getByTestId("alert-resolve").click();
      await expect(page.getByTestId("page-alert")).toHaveAttribute("data-state", "resolved");
      await expect(page.getByTestId("nav-alerts-count")).toHaveCount(0);
      await page.getByTestId("nav-dashboard").click();
      await expect(page.getByTestId("page-dashboard")).toBeVisible();
      await expect(page.getByTestId("open-alerts")).toHaveCount(0);
    } finally {
      await receiver.close();
    }
  },
);
