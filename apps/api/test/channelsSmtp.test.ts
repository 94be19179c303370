import { once } from "node:events";
import { type AddressInfo, createServer, type Socket } from "node:net";
import { waitFor } from "@restic-manager/test-support";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { gatherDueDigests } from "../src/channels/digest.js";
import {
  insertAlert,
  insertHost,
  queueDelivery,
  startSmtp,
  waitForDelivery,
} from "./support/channels.js";
import { type Client, createWorld, type World } from "./support/world.js";

const USERS = { robot: "mail-password" };

describe("e-mail deliveries to a real SMTP server", () => {
  let world: World;
  let admin: Client;
  const servers: Array<Awaited<ReturnType<typeof startSmtp>>> = [];

  async function smtp(options: Parameters<typeof startSmtp>[0]) {
    const server = await startSmtp(options);
    servers.push(server);
    return server;
  }

  function mailChannel(
    server: { host: string; port: number },
    config: {
      encryption: "starttls" | "tls" | "none";
      allowPlainAuth?: boolean;
      allowInvalidCertificate?: boolean;
    },
    name = "mail ops",
  ) {
    return admin.channels.create.mutate({
      name,
      settings: {
        kind: "smtp",
        config: {
          host: server.host,
          port: server.port,
          username: "robot",
          from: "restic-manager@example.test",
          to: "ops@example.test",
          allowInvalidCertificate: true,
          ...config,
        },
        secrets: { password: USERS.robot },
      },
    });
  }

  beforeEach(async () => {
    world = await createWorld({ RM_PUBLIC_URL: "https://rm.example.test" });
    await world.addUser("admin", "admin");
    admin = await world.signIn("admin");
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
    await world.close();
  });

  it("threads raised, acknowledged and resolved over STARTTLS with a self-signed certificate and AUTH", async () => {
    const { db, deliveries } = world.server.deps;
    const server = await smtp({ mode: "starttls", users: USERS });
    const channel = await mailChannel(server, { encryption: "starttls" });
    const host = await insertHost(db, "web1");
    const alert = await insertAlert(db, {
      hostId: host.id,
      severity: "critical",
      subject: "documents on web1",
    });

    for (const event of ["raised", "acknowledged", "resolved"] as const) {
      if (event !== "raised") {
        await db.alert.update({
          where: { id: alert.id },
          data:
            event === "acknowledged"
              ? {
                  state: "acknowledged",
                  acknowledgedAt: new Date(),
                  acknowledgedBy: "alice",
                  ackNote: "on it",
                }
              : { state: "resolved", resolvedAt: new Date(), resolvedBy: "system", openKey: null },
        });
      }
      const delivery = await queueDelivery(db, { alertId: alert.id, channelId: channel.id, event });
      deliveries.wake();
      const done = await waitForDelivery(db, delivery.id);
      expect(done.state).toBe("sent");
      expect(done.lastResult).toMatch(/^250 /);
    }

    expect(server.mails).toHaveLength(3);
    const [raised, acknowledged, resolved] = server.mails;
    for (const mail of server.mails) {
      expect(mail.secure).toBe(true);
      expect(mail.user).toBe("robot");
      expect(mail.to).toEqual(["ops@example.test"]);
      expect(mail.parsed.subject).toBe("[restic-manager] [critical] web1: job_failed");
      expect(mail.parsed.html).toBe(false);
      expect(mail.parsed.headers.get("content-type")).toMatchObject({ value: "text/plain" });
    }
    const raisedId = `<alert-${alert.id}-raised@rm.example.test>`;
    expect(raised?.parsed.messageId).toBe(raisedId);
    expect(raised?.parsed.inReplyTo).toBeUndefined();
    expect(raised?.parsed.text).toContain("Raised: documents on web1");
    expect(raised?.parsed.text).toContain(`https://rm.example.test/alerts/${alert.id}`);
    for (const later of [acknowledged, resolved]) {
      expect(later?.parsed.messageId).not.toBe(raisedId);
      expect(later?.parsed.messageId).toMatch(/@rm\.example\.test>$/);
      expect(later?.parsed.inReplyTo).toBe(raisedId);
      expect(later?.parsed.references).toBe(raisedId);
    }
    expect(acknowledged?.parsed.text).toContain("Acknowledged by alice: documents on web1");
    expect(acknowledged?.parsed.text).toContain("(on it)");
    expect(resolved?.parsed.text).toContain("Resolved: documents on web1");
  });

  it("sends over implicit TLS, and refuses a self-signed certificate unless told to accept it", async () => {
    const server = await smtp({ mode: "tls", users: USERS });
    const trusting = await mailChannel(server, { encryption: "tls" });
    const ok = await admin.channels.test.mutate({ id: trusting.id });
    expect(ok.ok).toBe(true);
    expect(ok.result).toMatch(/^250 .*Message queued as test-1/);
    expect(server.mails).toHaveLength(1);
    expect(server.mails[0]?.secure).toBe(true);
    expect(server.mails[0]?.parsed.subject).toBe("[restic-manager] [info] web1: test");

    const strict = await mailChannel(
      server,
      { encryption: "tls", allowInvalidCertificate: false },
      "mail strict",
    );
    const refused = await admin.channels.test.mutate({ id: strict.id });
    expect(refused.ok).toBe(false);
    expect(refused.result).toMatch(/certificate/i);
  });

  it("answers a wrong password with the server's reply line", async () => {
    const server = await smtp({ mode: "starttls", users: { robot: "another password" } });
    const channel = await mailChannel(server, { encryption: "starttls" });
    const refused = await admin.channels.test.mutate({ id: channel.id });
    expect(refused).toMatchObject({ ok: false });
    expect(refused.result).toMatch(/^535 .*Invalid username or password/);
    expect(refused.result).not.toContain(USERS.robot);
  });

  it("fails cleanly within its timeout on a server that never greets or greets with garbage", async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    const garbage = createServer((socket) => socket.end("HELLO? this is no mail server\r\n"));
    for (const server of [silent, garbage]) {
      server.listen(0, "127.0.0.1");
      await once(server, "listening");
    }
    try {
      const address = (server: typeof silent) => ({
        host: "127.0.0.1",
        port: (server.address() as AddressInfo).port,
      });
      const mute = await mailChannel(address(silent), { encryption: "starttls" }, "mute");
      const noise = await mailChannel(address(garbage), { encryption: "starttls" }, "noise");

      const garbled = await admin.channels.test.mutate({ id: noise.id });
      expect(garbled.ok).toBe(false);
      expect(garbled.result).toMatch(/greeting|Invalid|Unexpected|closed/i);
      expect(garbled.durationMs).toBeLessThan(5000);

      const started = Date.now();
      const waited = await admin.channels.test.mutate({ id: mute.id });
      expect(waited.ok).toBe(false);
      // nodemailer's greeting and connection timers both run out at 10 s: either may say it.
      expect(waited.result).toMatch(/Greeting never received|Timeout/);
      expect(Date.now() - started).toBeGreaterThanOrEqual(9500);
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await Promise.all(
        [silent, garbage].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
      );
    }
  });

  it("sends credentials without encryption only when the admin chose so knowingly", async () => {
    const server = await smtp({ mode: "plain", users: USERS });
    const code = await admin.channels.create
      .mutate({
        name: "plain",
        settings: {
          kind: "smtp",
          config: {
            host: server.host,
            port: server.port,
            encryption: "none",
            username: "robot",
            from: "restic-manager@example.test",
            to: "ops@example.test",
          },
          secrets: { password: USERS.robot },
        },
      })
      .then(
        () => "OK",
        (error: { data?: { code?: string } }) => error.data?.code,
      );
    expect(code).toBe("BAD_REQUEST");
    expect(await admin.channels.list.query()).toEqual([]);

    const knowing = await mailChannel(server, { encryption: "none", allowPlainAuth: true });
    const sent = await admin.channels.test.mutate({ id: knowing.id });
    expect(sent.ok).toBe(true);
    expect(server.mails[0]).toMatchObject({ secure: false, user: "robot" });
  });

  it("holds a digest channel's messages and sends them at its hour as one message listing every held alert", async () => {
    const { db, deliveries } = world.server.deps;
    const server = await smtp({ mode: "starttls", users: USERS });
    const channel = await mailChannel(server, { encryption: "starttls" });
    await admin.channels.update.mutate({
      id: channel.id,
      name: channel.name,
      settings: channel.settings,
      digestHour: 7,
      digestTimeZone: "Europe/Berlin",
    });
    const web1 = await insertHost(db, "web1");
    const db1 = await insertHost(db, "db1");
    const first = await insertAlert(db, { hostId: web1.id, subject: "documents on web1" });
    const second = await insertAlert(db, {
      hostId: db1.id,
      kind: "agent_offline",
      severity: "warning",
      subject: "db1 is offline",
    });
    const third = await insertAlert(db, {
      hostId: web1.id,
      kind: "check_failed",
      subject: "check of offsite",
    });
    const held = [
      await queueDelivery(db, {
        alertId: first.id,
        channelId: channel.id,
        event: "raised",
        state: "held",
      }),
      await queueDelivery(db, {
        alertId: second.id,
        channelId: channel.id,
        event: "raised",
        state: "held",
      }),
      await queueDelivery(db, {
        alertId: second.id,
        channelId: channel.id,
        event: "resolved",
        state: "held",
      }),
      await queueDelivery(db, {
        alertId: third.id,
        channelId: channel.id,
        event: "raised",
        state: "held",
      }),
    ];
    // Its hour was set just now, so it has not come yet: nothing is gathered, nothing sent.
    expect(await gatherDueDigests(db, new Date())).toBe(0);
    deliveries.wake();
    expect(server.mails).toHaveLength(0);

    // The last digest was two days ago: the next pass finds its hour has come.
    await db.channel.update({
      where: { id: channel.id },
      data: { lastDigestAt: new Date(Date.now() - 2 * 86_400_000) },
    });
    deliveries.wake();
    const digest = await waitFor(
      () =>
        db.alertDelivery
          .findFirst({ where: { channelId: channel.id, event: "digest", state: "sent" } })
          .then((d) => d ?? undefined),
      { what: "the digest to be sent" },
    );
    expect(server.mails).toHaveLength(1);
    const [mail] = server.mails;
    expect(mail?.parsed.subject).toBe("[restic-manager] Digest: 3 alerts");
    expect(mail?.parsed.messageId).toBe(`<digest-${digest.id}@rm.example.test>`);
    const text = mail?.parsed.text ?? "";
    expect(text).toContain("[critical] web1: job_failed (raised; now raised)");
    expect(text).toContain("[warning] db1: agent_offline (raised → resolved; now raised)");
    expect(text).toContain("[critical] web1: check_failed (raised; now raised)");
    for (const alert of [first, second, third]) {
      expect(text).toContain(`https://rm.example.test/alerts/${alert.id}`);
    }

    const after = await db.alertDelivery.findMany({ where: { id: { in: held.map((h) => h.id) } } });
    expect(after.every((d) => d.state === "sent" && d.digestId === digest.id)).toBe(true);
  });
});
