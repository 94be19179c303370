import { waitFor } from "@restic-manager/test-support";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AlertSweeper } from "../src/alerts/evaluators.js";
import { inQuietTime } from "../src/alerts/quiet.js";
import { AlertService } from "../src/alerts/service.js";
import { AgentRegistry } from "../src/hosts/registry.js";
import { connectAgent, enrollHost } from "./support/agentLink.js";
import { insertReadyRepository } from "./support/repositories.js";
import { type Client, createWorld, type World } from "./support/world.js";

const MINUTE = 60_000;

/**
 * Alert rules and lifecycle on the real server, with a stand-in agent on the real link that
 * reports job outcomes (channels deliver what is queued here; they have their own tests).
 */
describe("alerts", () => {
  let world: World;
  let admin: Client;
  let hostId: string;
  let credential: string;
  let repositoryId: string;
  let setId: string;

  beforeEach(async () => {
    world = await createWorld();
    await world.addUser("admin", "admin");
    admin = await world.signIn("admin");
    ({ hostId, credential } = await enrollHost(world, admin, "web1"));
    const deps = world.server.deps;
    repositoryId = (
      await insertReadyRepository(deps, {
        name: "main",
        url: "rest:http://127.0.0.1:1/main",
        password: "pw",
      })
    ).id;
    setId = (
      await admin.backupSets.create.mutate({
        name: "documents",
        hostId,
        repositoryId,
        options: { paths: ["/srv/documents"] },
      })
    ).id;
    // A channel that takes everything: each alert event queues one message for it.
    await deps.db.channel.create({
      data: {
        name: "ops",
        kind: "webhook",
        config: JSON.stringify({ url: "http://127.0.0.1:9/hook", method: "POST", headers: {} }),
        // Kept out of the delivery worker's way: these tests count what is queued.
        enabled: true,
        digestHour: 7,
      },
    });
  });
  afterEach(() => world.close());

  async function runBackup(
    agent: ReturnType<typeof connectAgent>,
    outcome: "succeeded" | "failed",
  ) {
    const { jobId } = await admin.backupSets.run.mutate({ id: setId });
    await waitFor(() => agent.commands.find((c) => c.type === "job" && c.job.id === jobId));
    await agent.trpc.agent.jobFinished.mutate({
      jobId,
      outcome,
      exitCode: outcome === "succeeded" ? 0 : 1,
      error: outcome === "succeeded" ? null : "Fatal: unable to open repository",
      finishedAt: new Date(),
    });
    return jobId;
  }

  const deliveries = async (alertId: string) =>
    (
      await world.server.deps.db.alertDelivery.findMany({
        where: { alertId },
        orderBy: { createdAt: "asc" },
      })
    ).map((d) => d.event);

  it("a failing backup raises one alert; a repeat bumps it; ack stops reminders; success resolves it", async () => {
    const agent = connectAgent(world, credential);
    const firstJob = await runBackup(agent, "failed");
    const [alert] = (await admin.alerts.list.query({ state: "open" })).items;
    expect(alert).toMatchObject({
      kind: "job_failed",
      severity: "warning",
      state: "raised",
      hostName: "web1",
      count: 1,
      jobId: firstJob,
      subject: "backup of documents on web1",
    });
    expect(alert?.summary).toMatch(/unable to open repository/);
    const id = alert?.id ?? "";
    expect(await deliveries(id)).toEqual(["raised"]);
    expect(await admin.alerts.counts.query()).toMatchObject({ warning: 1, total: 1 });

    await runBackup(agent, "failed");
    const bumped = await admin.alerts.get.query({ id });
    expect(bumped.count).toBe(2);
    expect(bumped.events.map((e) => e.type)).toEqual(["raised", "repeated"]);
    expect(await deliveries(id)).toEqual(["raised"]); // nothing new is sent

    // Reminders go out for an unacknowledged alert, and stop once it is acknowledged.
    const later = new AlertService({
      db: world.server.deps.db,
      logger: world.server.deps.logger,
      reminderMs: MINUTE,
      now: () => Date.now() + 2 * MINUTE,
    });
    expect(await later.remind()).toBe(1);
    await admin.alerts.acknowledge.mutate({ ids: [id], note: "looking at the disk" });
    const acknowledged = await admin.alerts.get.query({ id });
    expect(acknowledged).toMatchObject({
      state: "acknowledged",
      acknowledgedBy: "admin",
      ackNote: "looking at the disk",
    });
    const muchLater = new AlertService({
      db: world.server.deps.db,
      logger: world.server.deps.logger,
      reminderMs: MINUTE,
      now: () => Date.now() + 60 * MINUTE,
    });
    expect(await muchLater.remind()).toBe(0);

    await runBackup(agent, "succeeded");
    const resolved = await admin.alerts.get.query({ id });
    expect(resolved).toMatchObject({ state: "resolved", resolvedBy: "system" });
    expect(await deliveries(id)).toEqual(["raised", "reminder", "acknowledged", "resolved"]);
    expect((await admin.alerts.list.query({ state: "open" })).items).toEqual([]);
    // A new failure after that is a new alert.
    await runBackup(agent, "failed");
    const open = (await admin.alerts.list.query({ state: "open" })).items;
    expect(open.map((a) => a.id)).not.toContain(id);
    expect(open).toHaveLength(1);
    await agent.close();
  });

  it("raises 'backup stale' for a set past its threshold, once, and a backup resolves it", async () => {
    const deps = world.server.deps;
    await admin.alerts.updateRule.mutate({
      kind: "backup_stale",
      enabled: true,
      severity: "critical",
      threshold: 60,
    });
    const sweeper = (offsetMs: number) =>
      new AlertSweeper({
        db: deps.db,
        alerts: deps.alerts,
        agents: deps.agents,
        logger: deps.logger,
        now: () => Date.now() + offsetMs,
      });
    await sweeper(30 * MINUTE).sweep();
    expect((await admin.alerts.list.query({ kind: "backup_stale" })).items).toEqual([]);
    await sweeper(61 * MINUTE).sweep();
    await sweeper(90 * MINUTE).sweep();
    const [stale] = (await admin.alerts.list.query({ kind: "backup_stale" })).items;
    expect(stale).toMatchObject({ severity: "critical", count: 1, state: "raised" });
    expect(stale?.summary).toMatch(/never been backed up/);
    const agent = connectAgent(world, credential);
    await runBackup(agent, "succeeded");
    expect((await admin.alerts.get.query({ id: stale?.id ?? "" })).state).toBe("resolved");
    // Its agent stops: the server alone sees the set go stale again, past the threshold.
    await agent.close();
    await waitFor(async () => !(await admin.hosts.get.query({ id: hostId })).online || undefined);
    await sweeper(59 * MINUTE).sweep();
    expect((await admin.alerts.list.query({ kind: "backup_stale", state: "open" })).items).toEqual(
      [],
    );
    await sweeper(61 * MINUTE).sweep();
    const [again] = (await admin.alerts.list.query({ kind: "backup_stale", state: "open" })).items;
    expect(again?.summary).toMatch(/no successful backup of documents since/);
  });

  it("raises 'agent offline' past the threshold and resolves it when the agent returns", async () => {
    const deps = world.server.deps;
    const clock = { now: Date.now() };
    // This server's registry counts from its start; a registry on a test clock stands in.
    const registry = new AgentRegistry(() => clock.now);
    const sweeper = new AlertSweeper({
      db: deps.db,
      alerts: deps.alerts,
      agents: registry,
      logger: deps.logger,
    });
    clock.now += 29 * MINUTE;
    await sweeper.sweep();
    expect((await admin.alerts.list.query({ kind: "agent_offline" })).items).toEqual([]);
    clock.now += 2 * MINUTE;
    await sweeper.sweep();
    const [offline] = (await admin.alerts.list.query({ kind: "agent_offline" })).items;
    expect(offline).toMatchObject({ hostId, state: "raised", subject: "web1 offline" });
    registry.register({
      hostId,
      connectedAt: new Date(clock.now),
      send: () => undefined,
      close: () => undefined,
    });
    await waitFor(
      async () =>
        (await admin.alerts.get.query({ id: offline?.id ?? "" })).state === "resolved" || undefined,
    );
  });

  it("a disabled kind, a host override, a snoozed host and a maintenance window raise nothing", async () => {
    // (Five failures in a row on the repository do raise "repository failing": it is no host's.)
    const agent = connectAgent(world, credential);
    await admin.alerts.updateRule.mutate({
      kind: "job_failed",
      enabled: false,
      severity: "warning",
      threshold: null,
    });
    await runBackup(agent, "failed");
    expect((await admin.alerts.list.query({ kind: "job_failed" })).items).toEqual([]);
    await admin.alerts.updateRule.mutate({
      kind: "job_failed",
      enabled: true,
      severity: "warning",
      threshold: null,
    });
    await admin.alerts.setOverride.mutate({
      hostId,
      kind: "job_failed",
      enabled: false,
      severity: null,
      threshold: null,
    });
    await runBackup(agent, "failed");
    expect((await admin.alerts.list.query({ kind: "job_failed" })).items).toEqual([]);
    await admin.alerts.setOverride.mutate({
      hostId,
      kind: "job_failed",
      enabled: null,
      severity: null,
      threshold: null,
    });
    await admin.alerts.setHostQuiet.mutate({
      hostId,
      maintenanceWindows: [],
      snoozedUntil: new Date(Date.now() + 60 * MINUTE),
    });
    await runBackup(agent, "failed");
    expect((await admin.alerts.list.query({ kind: "job_failed" })).items).toEqual([]);
    await admin.alerts.setHostQuiet.mutate({
      hostId,
      maintenanceWindows: [{ days: [0, 1, 2, 3, 4, 5, 6], from: "00:00", to: "23:59" }],
      snoozedUntil: null,
    });
    await runBackup(agent, "failed");
    expect((await admin.alerts.list.query({ kind: "job_failed" })).items).toEqual([]);
    await admin.alerts.setHostQuiet.mutate({ hostId, maintenanceWindows: [], snoozedUntil: null });
    await runBackup(agent, "failed");
    expect((await admin.alerts.list.query({ kind: "job_failed" })).items).toHaveLength(1);
    await agent.close();
  });

  it("maintenance windows follow the host's zone and run over midnight", () => {
    const windows = JSON.stringify([{ days: [5], from: "22:00", to: "06:00" }]);
    // Friday 23:30 and Saturday 05:30 in Berlin are inside; Saturday 06:30 is not.
    expect(inQuietTime(windows, "Europe/Berlin", new Date("2026-06-05T21:30:00Z"))).toBe(true);
    expect(inQuietTime(windows, "Europe/Berlin", new Date("2026-06-06T03:30:00Z"))).toBe(true);
    expect(inQuietTime(windows, "Europe/Berlin", new Date("2026-06-06T04:30:00Z"))).toBe(false);
    expect(inQuietTime(windows, "UTC", new Date("2026-06-05T21:30:00Z"))).toBe(false);
  });
});
