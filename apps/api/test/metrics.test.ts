import { createRequire } from "node:module";
import { waitFor } from "@restic-manager/test-support";
import { afterEach, describe, expect, it } from "vitest";
import { connectAgent, enrollHost } from "./support/agentLink.js";
import { insertReadyRepository } from "./support/repositories.js";
import { createWorld, type World } from "./support/world.js";

interface Sample {
  value?: string;
  labels?: Record<string, string>;
  buckets?: Record<string, string>;
  count?: string;
  sum?: string;
}
interface Family {
  name: string;
  type: string;
  metrics: Sample[];
}
/** A Prometheus text-format parser (prom2json's output shape); it ships no types. */
const parsePrometheusText = createRequire(import.meta.url)("parse-prometheus-text-format") as (
  text: string,
) => Family[];

const HOUR = 3_600_000;

function family(families: Family[], name: string): Family {
  const found = families.find((f) => f.name === name);
  if (!found) throw new Error(`no metric ${name} in the scrape`);
  return found;
}

/** The value of the one sample whose labels include `labels`. */
function sampleValue(families: Family[], name: string, labels: Record<string, string> = {}) {
  const matching = family(families, name).metrics.filter((sample) =>
    Object.entries(labels).every(([key, value]) => sample.labels?.[key] === value),
  );
  if (matching.length !== 1) {
    throw new Error(`${matching.length} samples of ${name} match ${JSON.stringify(labels)}`);
  }
  return Number(matching[0]?.value);
}

async function scrape(world: World, bearer?: string) {
  return fetch(`${world.server.url}/metrics`, {
    headers: bearer ? { authorization: `Bearer ${bearer}` } : {},
  });
}

describe("/metrics", () => {
  let world: World;
  afterEach(() => world.close());

  it("reports hosts, backup recency, jobs, open alerts, repositories and unsent deliveries to a token holder", async () => {
    world = await createWorld();
    const { db } = world.server.deps;
    await world.addUser("admin", "admin");
    const admin = await world.signIn("admin");
    const { token } = await admin.apiTokens.create.mutate({ name: "prometheus", role: "viewer" });

    const web = await enrollHost(world, admin, "web1");
    const database = await enrollHost(world, admin, "db1");
    const mail = await enrollHost(world, admin, "mail1");
    const agent = connectAgent(world, web.credential);
    await waitFor(() => world.server.deps.agents.isOnline(web.hostId), {
      what: "web1 to come online",
    });

    const repository = await insertReadyRepository(world.server.deps, {
      name: "main",
      url: "rest:http://127.0.0.1:1/main",
      password: "pw",
    });
    await db.repository.update({
      where: { id: repository.id },
      data: { totalSize: 5_000_000, rawSize: 2_000_000, snapshotCount: 42, healthAt: new Date() },
    });
    const makeSet = (name: string, hostId: string) =>
      admin.backupSets.create.mutate({
        name,
        hostId,
        repositoryId: repository.id,
        options: { paths: [`/srv/${name}`] },
      });
    const documents = await makeSet("documents", web.hostId);
    const databases = await makeSet("databases", database.hostId);
    const mailboxes = await makeSet("mailboxes", mail.hostId);

    // web1 backs its documents up through the agent link: a failure after 90 s (by the agent's
    // clock; the server takes the start from its own), then a quick success.
    const runBackup = async (outcome: "succeeded" | "failed", seconds: number) => {
      const { jobId } = await admin.backupSets.run.mutate({ id: documents.id });
      await waitFor(() => agent.commands.find((c) => c.type === "job" && c.job.id === jobId));
      await agent.trpc.agent.jobStarted.mutate({ jobId, startedAt: new Date() });
      const finishedAt = new Date(Date.now() + seconds * 1000);
      await agent.trpc.agent.jobFinished.mutate({
        jobId,
        outcome,
        exitCode: outcome === "succeeded" ? 0 : 1,
        error: outcome === "succeeded" ? null : "Fatal: unable to open repository",
        finishedAt,
      });
      return finishedAt;
    };
    await runBackup("failed", 90);
    const documentsBackedUpAt = await runBackup("succeeded", 0);

    // db1's last success is history from before this server started (found in the database).
    const databasesBackedUpAt = new Date(Date.now() - 2 * HOUR);
    await db.job.create({
      data: {
        hostId: database.hostId,
        repositoryId: repository.id,
        backupSetId: databases.id,
        kind: "backup",
        params: "{}",
        state: "succeeded",
        createdAt: new Date(databasesBackedUpAt.getTime() - 60_000),
        startedAt: new Date(databasesBackedUpAt.getTime() - 60_000),
        finishedAt: databasesBackedUpAt,
        createdByType: "schedule",
      },
    });
    // mail1 is offline: its backup waits in the queue, and the set was never backed up.
    await admin.backupSets.run.mutate({ id: mailboxes.id });

    const alert = (severity: string, state: string, key: string) =>
      db.alert.create({
        data: {
          key,
          openKey: state === "resolved" ? null : key,
          kind: "job_failed",
          severity,
          state,
          subject: key,
          summary: key,
          firstSeenAt: new Date(),
          lastSeenAt: new Date(),
        },
      });
    const critical = await alert("critical", "raised", "a");
    await alert("critical", "raised", "b");
    await alert("warning", "acknowledged", "c");
    await alert("info", "resolved", "d");
    const channel = await db.channel.create({
      data: {
        name: "ops",
        kind: "webhook",
        config: JSON.stringify({ url: "http://127.0.0.1:9/hook", method: "POST", headers: {} }),
        enabled: false,
      },
    });
    for (const state of ["pending", "pending", "held", "sent"]) {
      await db.alertDelivery.create({
        data: {
          alertId: critical.id,
          channelId: channel.id,
          event: "raised",
          state,
          nextAttemptAt: new Date(),
        },
      });
    }

    // Without a token, or with a wrong one, the scraper is turned away.
    const anonymous = await scrape(world);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect((await scrape(world, `${token.slice(0, -4)}AAAA`)).status).toBe(401);

    const response = await scrape(world, token);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const scrapedAt = Date.now();
    const text = await response.text();
    const metrics = parsePrometheusText(text);

    expect(sampleValue(metrics, "restic_manager_hosts", { state: "online" })).toBe(1);
    expect(sampleValue(metrics, "restic_manager_hosts", { state: "offline" })).toBe(2);
    // One process: it leads, hears only itself, and holds the one connected agent.
    expect(sampleValue(metrics, "restic_manager_replica_leader")).toBe(1);
    expect(sampleValue(metrics, "restic_manager_replicas")).toBe(1);
    expect(sampleValue(metrics, "restic_manager_agents_connected")).toBe(1);

    const lastSuccess = "restic_manager_backup_set_last_success_timestamp_seconds";
    const sinceSuccess = "restic_manager_backup_set_seconds_since_last_success";
    expect(family(metrics, lastSuccess).type).toBe("GAUGE");
    const documentsLabels = { backup_set_id: documents.id, backup_set: "documents", host: "web1" };
    expect(sampleValue(metrics, lastSuccess, documentsLabels)).toBeCloseTo(
      documentsBackedUpAt.getTime() / 1000,
      2,
    );
    const documentsAge = sampleValue(metrics, sinceSuccess, documentsLabels);
    expect(documentsAge).toBeGreaterThanOrEqual(0);
    expect(documentsAge).toBeLessThanOrEqual(
      (scrapedAt - documentsBackedUpAt.getTime()) / 1000 + 1,
    );
    const databasesLabels = { backup_set_id: databases.id, backup_set: "databases", host: "db1" };
    expect(sampleValue(metrics, lastSuccess, databasesLabels)).toBeCloseTo(
      databasesBackedUpAt.getTime() / 1000,
      2,
    );
    expect(sampleValue(metrics, sinceSuccess, databasesLabels)).toBeGreaterThanOrEqual(
      2 * 3600 - 1,
    );
    expect(sampleValue(metrics, sinceSuccess, databasesLabels)).toBeLessThan(2 * 3600 + 60);
    // A set never backed up has no sample: its absence is what an alert rule looks for.
    expect(family(metrics, sinceSuccess).metrics).toHaveLength(2);

    const finished = "restic_manager_jobs_finished_total";
    expect(family(metrics, finished).type).toBe("COUNTER");
    expect(sampleValue(metrics, finished, { kind: "backup", outcome: "succeeded" })).toBe(1);
    expect(sampleValue(metrics, finished, { kind: "backup", outcome: "failed" })).toBe(1);
    expect(sampleValue(metrics, finished, { kind: "prune", outcome: "succeeded" })).toBe(0);
    expect(family(metrics, "restic_manager_job_duration_seconds").type).toBe("HISTOGRAM");
    // The parser folds a histogram's label sets into one; read one series' lines on their own.
    const series = 'kind="backup",outcome="failed"';
    const backupDurations = parsePrometheusText(
      text
        .split("\n")
        .filter((line) => line.startsWith("restic_manager_job_duration_seconds_"))
        .filter((line) => line.includes(series))
        .map((line) => `${line}\n`)
        .join(""),
    );
    const bucket = (le: string) =>
      sampleValue(backupDurations, "restic_manager_job_duration_seconds_bucket", { le });
    expect(bucket("60")).toBe(0);
    expect(bucket("120")).toBe(1);
    expect(bucket("+Inf")).toBe(1);
    const seconds = sampleValue(backupDurations, "restic_manager_job_duration_seconds_sum");
    expect(seconds).toBeGreaterThan(89);
    expect(seconds).toBeLessThan(95);
    expect(sampleValue(backupDurations, "restic_manager_job_duration_seconds_count")).toBe(1);
    expect(
      sampleValue(metrics, "restic_manager_jobs_active", { kind: "backup", state: "queued" }),
    ).toBe(1);

    const open = "restic_manager_alerts_open";
    expect(sampleValue(metrics, open, { severity: "critical", state: "raised" })).toBe(2);
    expect(sampleValue(metrics, open, { severity: "warning", state: "acknowledged" })).toBe(1);
    expect(sampleValue(metrics, open, { severity: "info", state: "raised" })).toBe(0);

    const repositoryLabels = { repository_id: repository.id, repository: "main" };
    expect(
      sampleValue(metrics, "restic_manager_repository_total_size_bytes", repositoryLabels),
    ).toBe(5_000_000);
    expect(sampleValue(metrics, "restic_manager_repository_raw_size_bytes", repositoryLabels)).toBe(
      2_000_000,
    );
    expect(sampleValue(metrics, "restic_manager_repository_snapshots", repositoryLabels)).toBe(42);

    const unsent = "restic_manager_alert_deliveries_pending";
    expect(sampleValue(metrics, unsent, { state: "pending" })).toBe(2);
    expect(sampleValue(metrics, unsent, { state: "held" })).toBe(1);
    expect(sampleValue(metrics, unsent, { state: "sending" })).toBe(0);

    // The process's own health is there too (event-loop lag matters to a SQLite server).
    expect(family(metrics, "nodejs_eventloop_lag_seconds").type).toBe("GAUGE");

    // A deleted set disappears from the next scrape.
    await db.backupSet.delete({ where: { id: databases.id } });
    const after = parsePrometheusText(await (await scrape(world, token)).text());
    expect(family(after, sinceSuccess).metrics.map((s) => s.labels?.backup_set)).toEqual([
      "documents",
    ]);
    await agent.close();
  });

  it("answers without a token when RM_METRICS_PUBLIC is true", async () => {
    world = await createWorld({ RM_METRICS_PUBLIC: "true" });
    const response = await scrape(world);
    expect(response.status).toBe(200);
    const metrics = parsePrometheusText(await response.text());
    expect(sampleValue(metrics, "restic_manager_hosts", { state: "online" })).toBe(0);
    expect(sampleValue(metrics, "restic_manager_hosts", { state: "offline" })).toBe(0);
    expect(
      sampleValue(metrics, "restic_manager_alert_deliveries_pending", { state: "pending" }),
    ).toBe(0);
  });
});
