import { createHmac } from "node:crypto";
import { ZWebhookBody } from "@restic-manager/contracts";
import { waitFor } from "@restic-manager/test-support";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  insertAlert,
  insertHost,
  queueDelivery,
  startHttpReceiver,
  waitForDelivery,
} from "./support/channels.js";
import { type Client, createWorld, type World } from "./support/world.js";

const SECRET = "webhook-signing-secret";

describe("webhook deliveries to a real HTTP receiver", () => {
  let world: World;
  let admin: Client;
  const receivers: Array<Awaited<ReturnType<typeof startHttpReceiver>>> = [];

  async function receiver(...args: Parameters<typeof startHttpReceiver>) {
    const started = await startHttpReceiver(...args);
    receivers.push(started);
    return started;
  }

  async function webhookChannel(url: string, name: string) {
    return admin.channels.create.mutate({
      name,
      settings: { kind: "webhook", config: { url: `${url}/hook` }, secrets: { secret: SECRET } },
    });
  }

  beforeEach(async () => {
    world = await createWorld({ RM_PUBLIC_URL: "https://rm.example.test" });
    await world.addUser("admin", "admin");
    admin = await world.signIn("admin");
  });
  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((r) => r.close()));
    await world.close();
  });

  it("posts the documented body with a valid HMAC signature of the raw body", async () => {
    const { db } = world.server.deps;
    const hook = await receiver();
    const channel = await webhookChannel(hook.url, "hook");
    const host = await insertHost(db, "web1");
    const alert = await insertAlert(db, {
      hostId: host.id,
      severity: "warning",
      subject: "documents on web1",
      summary: "restic exited with code 3",
    });
    const delivery = await queueDelivery(db, {
      alertId: alert.id,
      channelId: channel.id,
      event: "raised",
    });
    world.server.deps.deliveries.wake();

    const done = await waitForDelivery(db, delivery.id);
    expect(done).toMatchObject({ state: "sent", attempts: 1, lastResult: "HTTP 200 OK" });
    expect(done.attemptLog).toHaveLength(1);
    expect(done.attemptLog[0]).toMatchObject({ ok: true, result: "HTTP 200 OK" });

    const [request] = hook.requests;
    if (!request) throw new Error("nothing arrived");
    expect(request.method).toBe("POST");
    expect(request.headers["content-type"]).toBe("application/json");
    const expected = createHmac("sha256", SECRET).update(request.body).digest("hex");
    expect(request.headers["x-restic-manager-signature"]).toBe(`sha256=${expected}`);
    const body = ZWebhookBody.parse(JSON.parse(request.body));
    expect(body).toMatchObject({
      schemaVersion: 1,
      event: "raised",
      alert: {
        id: alert.id,
        kind: "job_failed",
        severity: "warning",
        state: "raised",
        host: { id: host.id, name: "web1" },
        subject: "documents on web1",
        summary: "restic exited with code 3",
        count: 1,
        firstSeenAt: alert.firstSeenAt.toISOString(),
        lastSeenAt: alert.lastSeenAt.toISOString(),
        acknowledgedBy: null,
        url: `https://rm.example.test/alerts/${alert.id}`,
      },
    });
  });

  it("gives up on a receiver that never answers after 5 s and retries later, while other channels go on", async () => {
    const { db } = world.server.deps;
    const hanging = await receiver("hang");
    const healthy = await receiver();
    const slow = await webhookChannel(hanging.url, "hangs");
    const fine = await webhookChannel(healthy.url, "fine");
    const alert = await insertAlert(db);
    const stuck = await queueDelivery(db, {
      alertId: alert.id,
      channelId: slow.id,
      event: "raised",
    });
    const other = await queueDelivery(db, {
      alertId: alert.id,
      channelId: fine.id,
      event: "raised",
    });
    const started = Date.now();
    world.server.deps.deliveries.wake();

    // The healthy channel is not held up by the one that hangs.
    const sent = await waitForDelivery(db, other.id);
    expect(sent.state).toBe("sent");
    expect(Date.now() - started).toBeLessThan(4000);

    const tried = await waitForDelivery(db, stuck.id, { attempts: 1 }, 15_000);
    expect(hanging.requests).toHaveLength(1);
    expect(tried.state).toBe("pending");
    const [attempt] = tried.attemptLog;
    expect(attempt).toMatchObject({ ok: false, result: "No answer within 5 s" });
    expect(attempt?.durationMs).toBeGreaterThanOrEqual(4900);
    expect(attempt?.durationMs).toBeLessThan(7000);
    // The next try waits for its backoff (30 s) …
    expect(tried.nextAttemptAt.getTime() - (attempt?.at.getTime() ?? 0)).toBeGreaterThanOrEqual(
      30_000,
    );

    // … and, once due, reaches a receiver that answers again.
    hanging.setMode({ status: 204 });
    await db.alertDelivery.update({ where: { id: stuck.id }, data: { nextAttemptAt: new Date() } });
    world.server.deps.deliveries.wake();
    const retried = await waitForDelivery(db, stuck.id, { state: "sent" });
    expect(retried).toMatchObject({
      state: "sent",
      attempts: 2,
      lastResult: "HTTP 204 No Content",
    });
    expect(retried.attemptLog.map((a) => a.ok)).toEqual([false, true]);
  });

  it("gives a delivery up as failed after its last try", async () => {
    const { db } = world.server.deps;
    const broken = await receiver({ status: 500 });
    const channel = await webhookChannel(broken.url, "broken");
    const alert = await insertAlert(db);
    const delivery = await queueDelivery(db, {
      alertId: alert.id,
      channelId: channel.id,
      event: "raised",
    });
    // Seven tries already made: the eighth is the last.
    await db.alertDelivery.update({ where: { id: delivery.id }, data: { attempts: 7 } });
    world.server.deps.deliveries.wake();
    const done = await waitForDelivery(db, delivery.id, { state: "failed" });
    expect(done).toMatchObject({ state: "failed", attempts: 8 });
    expect(done.lastResult).toBe("HTTP 500 Internal Server Error: not today");
  });

  it("sends after a restart what the server was sending when it stopped", async () => {
    const hook = await receiver();
    const channel = await webhookChannel(hook.url, "hook");
    let deliveryId = "";
    await world.restart(async () => {
      // Written while the server is down: a message it had claimed and never finished.
      const db = await world.openDatabase();
      try {
        const alert = await insertAlert(db);
        deliveryId = (
          await queueDelivery(db, {
            alertId: alert.id,
            channelId: channel.id,
            event: "raised",
            state: "sending",
          })
        ).id;
      } finally {
        await db.$disconnect();
      }
    });
    const done = await waitForDelivery(world.server.deps.db, deliveryId);
    expect(done).toMatchObject({ state: "sent", attempts: 1 });
    await waitFor(() => hook.requests.length === 1, { what: "the message to arrive once" });
  });
});
