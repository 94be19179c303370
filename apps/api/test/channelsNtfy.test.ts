import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  insertAlert,
  insertHost,
  queueDelivery,
  startNtfy,
  waitForDelivery,
} from "./support/channels.js";
import { type Client, createWorld, type World } from "./support/world.js";

describe("ntfy deliveries to a real ntfy server", () => {
  let world: World;
  let admin: Client;
  let ntfy: Awaited<ReturnType<typeof startNtfy>>;

  beforeEach(async () => {
    [world, ntfy] = await Promise.all([
      createWorld({ RM_PUBLIC_URL: "https://rm.example.test" }),
      startNtfy(),
    ]);
    await world.addUser("admin", "admin");
    admin = await world.signIn("admin");
  });
  afterEach(async () => {
    await Promise.all([world?.close(), ntfy?.stop()]);
  });

  it("publishes with the priority mapped from the severity, the title, tags and a link to the alert", async () => {
    const { db } = world.server.deps;
    const channel = await admin.channels.create.mutate({
      name: "phone",
      settings: {
        kind: "ntfy",
        config: { serverUrl: ntfy.url, topic: "backups", tags: ["floppy_disk"] },
        secrets: { token: ntfy.token },
      },
    });
    const host = await insertHost(db, "größe-01");
    const cases = [
      { severity: "critical", priority: 5 },
      { severity: "warning", priority: 4 },
      { severity: "info", priority: 3 },
    ] as const;
    const alerts: Array<{ id: string; subject: string }> = [];
    for (const { severity } of cases) {
      const alert = await insertAlert(db, { hostId: host.id, severity, kind: "backup_stale" });
      alerts.push(alert);
      const delivery = await queueDelivery(db, {
        alertId: alert.id,
        channelId: channel.id,
        event: "raised",
      });
      world.server.deps.deliveries.wake();
      const done = await waitForDelivery(db, delivery.id);
      expect(done.state).toBe("sent");
      expect(done.lastResult).toMatch(/^HTTP 200 · message \w+$/);
    }

    const messages = await ntfy.messages("backups");
    expect(messages).toHaveLength(3);
    cases.forEach(({ severity, priority }, i) => {
      const alert = alerts[i];
      expect(messages[i]).toMatchObject({
        topic: "backups",
        // Not ASCII: sent RFC 2047 encoded, and ntfy decodes it.
        title: `[${severity}] größe-01: backup_stale`,
        priority,
        click: `https://rm.example.test/alerts/${alert?.id}`,
      });
      expect(messages[i]?.tags).toContain("floppy_disk");
      expect(messages[i]?.message).toContain(`Raised: ${alert?.subject}`);
    });
  });

  it("signs in with a username and password, and says what ntfy answered when it refuses", async () => {
    const channel = await admin.channels.create.mutate({
      name: "phone",
      settings: {
        kind: "ntfy",
        config: { serverUrl: ntfy.url, topic: "ops", username: ntfy.username },
        secrets: { password: ntfy.password },
      },
    });
    const ok = await admin.channels.test.mutate({ id: channel.id });
    expect(ok.ok).toBe(true);
    expect(ok.result).toMatch(/^HTTP 200 · message \w+$/);
    const [message] = await ntfy.messages("ops");
    expect(message).toMatchObject({ title: "[info] web1: test", priority: 3 });

    await admin.channels.update.mutate({
      id: channel.id,
      name: "phone",
      settings: {
        kind: "ntfy",
        config: { serverUrl: ntfy.url, topic: "ops", username: ntfy.username },
        secrets: { password: "wrong password" },
      },
    });
    const refused = await admin.channels.test.mutate({ id: channel.id });
    expect(refused).toMatchObject({ ok: false, result: "HTTP 401 · unauthorized" });
  });
});
