import { createHmac } from "node:crypto";
import { ZWebhookBody } from "@restic-manager/contracts";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { lastDigestSlot } from "../src/channels/digest.js";
import { type ReceiverMode, startHttpReceiver } from "./support/channels.js";
import { type Client, codeOf, createWorld, errorOf, type World } from "./support/world.js";

const WEBHOOK_SECRET = "hmac-secret-do-not-show";
const TOKEN_HEADER = "bearer-value-do-not-show";
const NTFY_TOKEN = "tk_ntfytokendonotshow";
const SMTP_PASSWORD = "smtp-password-do-not-show";

function webhookInput(url: string, name = "ops hook") {
  return {
    name,
    settings: {
      kind: "webhook" as const,
      config: {
        url: `${url}/hooks/restic/abc123`,
        method: "POST" as const,
        headers: { "X-Team": "ops" },
      },
      secrets: { secret: WEBHOOK_SECRET, headers: { Authorization: `Bearer ${TOKEN_HEADER}` } },
    },
  };
}

function smtpInput(overrides: Record<string, unknown> = {}) {
  return {
    name: "mail ops",
    settings: {
      kind: "smtp" as const,
      config: {
        host: "mail.example.test",
        port: 587,
        encryption: "starttls" as const,
        username: "robot",
        from: "restic-manager@example.test",
        to: "ops@example.test",
        ...overrides,
      },
      secrets: { password: SMTP_PASSWORD },
    },
  };
}

describe("channels through the API", () => {
  let world: World;
  let admin: Client;
  let receiver: Awaited<ReturnType<typeof startHttpReceiver>>;

  beforeEach(async () => {
    world = await createWorld({ RM_PUBLIC_URL: "https://rm.example.test" });
    await world.addUser("admin", "admin");
    admin = await world.signIn("admin");
    receiver = await startHttpReceiver();
  });
  afterEach(async () => {
    await receiver.close();
    await world.close();
  });

  it("refuses bad input with a clear error and saves nothing", async () => {
    const cases: Array<[string, unknown]> = [
      [
        "http:// or https://",
        {
          ...webhookInput(receiver.url),
          settings: { kind: "webhook", config: { url: "ftp://files.example.test/x" } },
        },
      ],
      ["not an e-mail address", smtpInput({ to: "ops at example" })],
      ["allowPlainAuth", smtpInput({ encryption: "none", port: 25 })],
      [
        "line break",
        {
          name: "smuggler",
          settings: {
            kind: "webhook",
            config: { url: receiver.url, headers: { "X-Note": "a\r\nX-Injected: yes" } },
          },
        },
      ],
      [
        "line break",
        {
          name: "smuggler 2",
          settings: {
            kind: "webhook",
            config: { url: receiver.url },
            secrets: { headers: { Authorization: "Bearer x\nX-Injected: yes" } },
          },
        },
      ],
      [
        "letters, digits",
        {
          name: "ntfy",
          settings: { kind: "ntfy", config: { serverUrl: receiver.url, topic: "a/b" } },
        },
      ],
      [
        "Unknown time zone",
        { ...webhookInput(receiver.url), digestHour: 8, digestTimeZone: "Mars/Base" },
      ],
      [
        "needs a password",
        {
          name: "ntfy user",
          settings: {
            kind: "ntfy",
            config: { serverUrl: receiver.url, topic: "t", username: "alice" },
          },
        },
      ],
    ];
    for (const [message, input] of cases) {
      const error = await errorOf(admin.channels.create.mutate(input as never));
      expect(error.data?.code, message).toBe("BAD_REQUEST");
      expect(error.message).toContain(message);
    }
    expect(await admin.channels.list.query()).toEqual([]);
    // With the acknowledgement, credentials over a plain connection are the admin's choice.
    const plain = await admin.channels.create.mutate(
      smtpInput({ encryption: "none", port: 25, allowPlainAuth: true }),
    );
    expect(plain.settings.kind).toBe("smtp");
  });

  it("shows each channel as name · kind://host… → destination, and its secrets only as set or not", async () => {
    await admin.channels.create.mutate(webhookInput(receiver.url));
    await admin.channels.create.mutate({
      name: "phone",
      settings: {
        kind: "ntfy",
        config: { serverUrl: "https://ntfy.example.test", topic: "backups", tags: ["floppy_disk"] },
        secrets: { token: NTFY_TOKEN },
      },
    });
    await admin.channels.create.mutate(smtpInput());

    const list = await admin.channels.list.query();
    const port = new URL(receiver.url).port;
    expect(list.map((c) => c.label)).toEqual([
      `mail ops · smtp://mail.example.test:587… → ops@example.test`,
      `ops hook · webhook://127.0.0.1:${port}… → POST /hooks/…`,
      "phone · ntfy://ntfy.example.test… → backups",
    ]);
    const [mail, hook, phone] = list;
    expect(hook?.secrets).toEqual({ secret: "set", "header:Authorization": "set" });
    expect(phone?.secrets).toEqual({ token: "set", password: "not set" });
    expect(mail?.secrets).toEqual({ password: "set" });

    const answers = JSON.stringify([
      list,
      ...(await Promise.all(list.map((c) => admin.channels.get.query({ id: c.id })))),
    ]);
    for (const secret of [WEBHOOK_SECRET, TOKEN_HEADER, NTFY_TOKEN, SMTP_PASSWORD]) {
      expect(answers).not.toContain(secret);
    }
    // Nor the audit log, nor the server's log.
    const audit = JSON.stringify(await admin.audit.list.query({ limit: 50 }));
    expect(audit).toContain("channel.created");
    for (const secret of [WEBHOOK_SECRET, TOKEN_HEADER, NTFY_TOKEN, SMTP_PASSWORD]) {
      expect(audit).not.toContain(secret);
      expect(world.logs.join("")).not.toContain(secret);
    }
  });

  it("sends a test message at once and answers with the receiver's real outcome", async () => {
    const channel = await admin.channels.create.mutate(webhookInput(receiver.url));

    const ok = await admin.channels.test.mutate({ id: channel.id });
    expect(ok).toMatchObject({ ok: true, result: "HTTP 200 OK" });
    const [request] = receiver.requests;
    expect(request?.url).toBe("/hooks/restic/abc123");
    expect(request?.headers.authorization).toBe(`Bearer ${TOKEN_HEADER}`);
    expect(request?.headers["x-team"]).toBe("ops");
    const body = ZWebhookBody.parse(JSON.parse(request?.body ?? ""));
    expect(body.event).toBe("test");
    expect(request?.headers["x-restic-manager-signature"]).toBe(
      `sha256=${createHmac("sha256", WEBHOOK_SECRET)
        .update(request?.body ?? "")
        .digest("hex")}`,
    );

    const outcomes: Array<[ReceiverMode, RegExp]> = [
      [{ status: 500 }, /^HTTP 500 Internal Server Error: not today$/],
      ["garbage", /^Connection failed: /],
    ];
    for (const [mode, expected] of outcomes) {
      receiver.setMode(mode);
      const failed = await admin.channels.test.mutate({ id: channel.id });
      expect(failed.ok).toBe(false);
      expect(failed.result).toMatch(expected);
    }

    // Nothing listens there any more.
    await receiver.close();
    const refused = await admin.channels.test.mutate({ id: channel.id });
    expect(refused).toMatchObject({ ok: false });
    expect(refused.result).toMatch(/ECONNREFUSED/);
    receiver = await startHttpReceiver();

    // Each test is recorded like a delivery, never retried, and audited with its outcome.
    const tests = await world.server.deps.db.alertDelivery.findMany({
      where: { channelId: channel.id, event: "test" },
      include: { attemptLog: true },
    });
    expect(tests.map((t) => t.state).sort()).toEqual(["failed", "failed", "failed", "sent"]);
    expect(tests.every((t) => t.attemptLog.length === 1)).toBe(true);
    const audit = await admin.audit.list.query({ action: "channel.tested", limit: 10 });
    expect(audit.items.map((e) => e.outcome).sort()).toEqual([
      "failure",
      "failure",
      "failure",
      "success",
    ]);
  });

  it("keeps secrets that an update does not send again, and clears one set to null", async () => {
    const channel = await admin.channels.create.mutate(webhookInput(receiver.url));
    const { secrets: _secrets, ...settingsWithout } = webhookInput(receiver.url).settings;
    const updated = await admin.channels.update.mutate({
      id: channel.id,
      name: "ops hook (renamed)",
      settings: settingsWithout,
    });
    expect(updated.secrets).toEqual({ secret: "set", "header:Authorization": "set" });
    await admin.channels.test.mutate({ id: channel.id });
    const signed = receiver.requests.at(-1);
    expect(signed?.headers["x-restic-manager-signature"]).toBe(
      `sha256=${createHmac("sha256", WEBHOOK_SECRET)
        .update(signed?.body ?? "")
        .digest("hex")}`,
    );

    const cleared = await admin.channels.update.mutate({
      id: channel.id,
      name: "ops hook (renamed)",
      settings: { ...settingsWithout, secrets: { secret: null, headers: { Authorization: null } } },
    });
    expect(cleared.secrets).toEqual({ secret: "not set" });
    await admin.channels.test.mutate({ id: channel.id });
    expect(receiver.requests.at(-1)?.headers["x-restic-manager-signature"]).toBeUndefined();
    expect(receiver.requests.at(-1)?.headers.authorization).toBeUndefined();

    await admin.channels.remove.mutate({ id: channel.id });
    expect(await admin.channels.list.query()).toEqual([]);
  });

  it("previews the exact message for a sample alert: e-mail headers and body, webhook JSON and headers, ntfy title and priority", async () => {
    const mail = await admin.channels.preview.mutate({ settings: smtpInput().settings });
    if (mail.kind !== "smtp") throw new Error("expected an e-mail preview");
    expect(mail.headers.Subject).toBe("[restic-manager] [critical] web1: job_failed");
    expect(mail.headers["Message-ID"]).toBe("<alert-sample-raised@rm.example.test>");
    expect(mail.headers["Content-Type"]).toMatch(/^text\/plain/);
    expect(mail.body).toContain("https://rm.example.test/alerts/sample");
    expect(mail.raw).toContain("Subject: [restic-manager] [critical] web1: job_failed");

    const resolved = await admin.channels.preview.mutate({
      settings: smtpInput().settings,
      event: "resolved",
    });
    if (resolved.kind !== "smtp") throw new Error("expected an e-mail preview");
    expect(resolved.headers["In-Reply-To"]).toBe("<alert-sample-raised@rm.example.test>");
    expect(resolved.headers.References).toBe("<alert-sample-raised@rm.example.test>");

    const hook = await admin.channels.preview.mutate({
      settings: webhookInput(receiver.url).settings,
    });
    if (hook.kind !== "webhook") throw new Error("expected a webhook preview");
    expect(hook.headers.Authorization).toBe("••••••");
    expect(hook.headers["X-Restic-Manager-Signature"]).toBe(
      `sha256=${createHmac("sha256", WEBHOOK_SECRET).update(hook.body).digest("hex")}`,
    );
    const body = ZWebhookBody.parse(JSON.parse(hook.body));
    expect(body).toMatchObject({ schemaVersion: 1, event: "raised" });

    const phone = await admin.channels.preview.mutate({
      settings: {
        kind: "ntfy",
        config: { serverUrl: "https://ntfy.example.test/", topic: "backups" },
        secrets: { token: NTFY_TOKEN },
      },
      event: "digest",
    });
    if (phone.kind !== "ntfy") throw new Error("expected an ntfy preview");
    expect(phone).toMatchObject({
      url: "https://ntfy.example.test/backups",
      title: "Digest: 2 alerts",
      priority: 5,
      click: "https://rm.example.test/alerts",
    });
    expect(phone.headers.Authorization).toBe("Bearer ••••••");
    expect(JSON.stringify([mail, hook, phone])).not.toContain(NTFY_TOKEN);
  });

  it("lets only admins see or change channels", async () => {
    await world.addUser("olga", "operator");
    const operator = await world.signIn("olga");
    expect(await codeOf(operator.channels.list.query())).toBe("FORBIDDEN");
    expect(await codeOf(operator.channels.create.mutate(webhookInput(receiver.url)))).toBe(
      "FORBIDDEN",
    );
  });
});

describe("digest hours (pure, no clock)", () => {
  it("finds the latest digest hour in the channel's time zone", () => {
    const now = new Date("2026-11-28T07:30:00Z"); // 08:30 in Berlin
    expect(lastDigestSlot(8, "Europe/Berlin", now).toISOString()).toBe("2026-11-28T07:00:00.000Z");
    expect(lastDigestSlot(8, null, now).toISOString()).toBe("2026-11-27T08:00:00.000Z");
    expect(lastDigestSlot(9, "Europe/Berlin", now).toISOString()).toBe("2026-11-27T08:00:00.000Z");
  });
});
