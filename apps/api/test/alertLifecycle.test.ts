import { createHmac } from "node:crypto";
import { waitFor } from "@restic-manager/test-support";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { connectAgent, enrollHost } from "./support/agentLink.js";
import { startHttpReceiver, startSmtp } from "./support/channels.js";
import { insertReadyRepository } from "./support/repositories.js";
import { type Client, createWorld, type World } from "./support/world.js";

const SECRET = "webhook signing secret";

/**
 * An alert's whole life through real receivers on loopback: a failing backup reported over the
 * real agent link raises one alert and one message per channel (a webhook receiver and an SMTP
 * server over STARTTLS); a second failure bumps the counter and sends nothing; acknowledging
 * sends "acknowledged" in the same mail thread; the next success resolves it and says so.
 */
describe("an alert from raised to resolved, delivered", () => {
  let world: World;
  let admin: Client;
  const closers: Array<() => Promise<void>> = [];

  beforeEach(async () => {
    world = await createWorld({ RM_PUBLIC_URL: "https://rm.example.test" });
    await world.addUser("admin", "admin");
    admin = await world.signIn("admin");
  });
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
    await world.close();
  });

  it("raises once, bumps silently, threads acknowledged and resolved", async () => {
    const hook = await startHttpReceiver();
    closers.push(hook.close);
    const smtp = await startSmtp({ mode: "starttls", users: { robot: "mail password" } });
    closers.push(smtp.close);
    await admin.channels.create.mutate({
      name: "hook",
      settings: {
        kind: "webhook",
        config: { url: `${hook.url}/alerts`, method: "POST", headers: {} },
        secrets: { secret: SECRET },
      },
    });
    await admin.channels.create.mutate({
      name: "mail",
      settings: {
        kind: "smtp",
        config: {
          host: smtp.host,
          port: smtp.port,
          encryption: "starttls",
          username: "robot",
          from: "restic-manager@example.test",
          to: "ops@example.test",
          allowInvalidCertificate: true,
        },
        secrets: { password: "mail password" },
      },
    });

    const { hostId, credential } = await enrollHost(world, admin, "web1");
    const repository = await insertReadyRepository(world.server.deps, {
      name: "main",
      url: "rest:http://127.0.0.1:1/main",
      password: "pw",
    });
    const set = await admin.backupSets.create.mutate({
      name: "documents",
      hostId,
      repositoryId: repository.id,
      options: { paths: ["/srv/documents"] },
    });
    const agent = connectAgent(world, credential);
    closers.push(() => agent.close());
    const runBackup = async (outcome: "succeeded" | "failed") => {
      const { jobId } = await admin.backupSets.run.mutate({ id: set.id });
      await waitFor(() => agent.commands.find((c) => c.type === "job" && c.job.id === jobId));
      await agent.trpc.agent.jobFinished.mutate({
        jobId,
        outcome,
        exitCode: outcome === "succeeded" ? 0 : 1,
        error: outcome === "succeeded" ? null : "Fatal: unable to open repository",
        finishedAt: new Date(),
      });
    };

    await runBackup("failed");
    await waitFor(() => (hook.requests.length >= 1 && smtp.mails.length >= 1) || undefined, {
      timeoutMs: 15_000,
      what: "the raised messages",
    });
    const [raised] = hook.requests;
    const body = JSON.parse(raised?.body ?? "{}") as Record<string, unknown>;
    expect(body).toMatchObject({
      schemaVersion: 1,
      event: "raised",
      alert: {
        kind: "job_failed",
        severity: "warning",
        state: "raised",
        host: { id: hostId, name: "web1" },
        url: expect.stringMatching(/^https:\/\/rm\.example\.test\/alerts\//),
      },
    });
    const signature = createHmac("sha256", SECRET)
      .update(raised?.body ?? "")
      .digest("hex");
    expect(raised?.headers["x-restic-manager-signature"]).toBe(`sha256=${signature}`);
    const [firstMail] = smtp.mails;
    expect(firstMail?.parsed.subject).toBe("[restic-manager] [warning] web1: job_failed");
    expect(firstMail?.secure).toBe(true);
    const threadId = firstMail?.parsed.messageId ?? "";
    expect(threadId).toMatch(/alert-.+-raised@rm\.example\.test/);

    // The same failure again: the counter goes up, nobody is told twice.
    await runBackup("failed");
    const [alert] = (await admin.alerts.list.query({ state: "open", kind: "job_failed" })).items;
    await waitFor(
      async () => (await admin.alerts.get.query({ id: alert?.id ?? "" })).count === 2 || undefined,
    );
    world.server.deps.deliveries.wake();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect([hook.requests.length, smtp.mails.length]).toEqual([1, 1]);

    await admin.alerts.acknowledge.mutate({ ids: [alert?.id ?? ""], note: "on it" });
    await waitFor(() => (hook.requests.length >= 2 && smtp.mails.length >= 2) || undefined, {
      timeoutMs: 15_000,
      what: "the acknowledged messages",
    });
    expect(JSON.parse(hook.requests[1]?.body ?? "{}")).toMatchObject({
      event: "acknowledged",
      alert: { state: "acknowledged", acknowledgedBy: "admin", ackNote: "on it" },
    });
    expect(smtp.mails[1]?.parsed.inReplyTo).toBe(threadId);

    await runBackup("succeeded");
    await waitFor(() => (hook.requests.length >= 3 && smtp.mails.length >= 3) || undefined, {
      timeoutMs: 15_000,
      what: "the resolved messages",
    });
    expect(JSON.parse(hook.requests[2]?.body ?? "{}")).toMatchObject({
      event: "resolved",
      alert: { state: "resolved", resolvedBy: "system" },
    });
    expect(smtp.mails[2]?.parsed.inReplyTo).toBe(threadId);
    expect(String(smtp.mails[2]?.parsed.references ?? "")).toContain(threadId);

    // Every attempt is on the alert.
    const delivered = await admin.alerts.get.query({ id: alert?.id ?? "" });
    expect(delivered.state).toBe("resolved");
    expect(delivered.deliveries.map((d) => [d.channelName, d.event, d.state]).sort()).toEqual(
      [
        ["hook", "acknowledged", "sent"],
        ["hook", "raised", "sent"],
        ["hook", "resolved", "sent"],
        ["mail", "acknowledged", "sent"],
        ["mail", "raised", "sent"],
        ["mail", "resolved", "sent"],
      ].sort(),
    );
    expect(delivered.deliveries.every((d) => d.attempts.length >= 1 && d.attempts[0]?.ok)).toBe(
      true,
    );
  });
});
