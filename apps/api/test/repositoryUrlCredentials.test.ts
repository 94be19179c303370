import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type RestServer, startRestServer, waitFor } from "@restic-manager/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { displayUrl } from "../src/repositories/access.js";
import { type AgentProcess, enrollAgent, startAgent } from "./support/agents.js";
import { waitForJobEnd } from "./support/jobs.js";
import { type Client, createWorld, type World } from "./support/world.js";

/**
 * A rest-server password with every character that URLs treat specially. Its words are
 * distinctive, so finding any one of them anywhere means a part of the password leaked.
 */
const PASSWORD = "Kestrel@Quartz:Violet/Umber%Saffron#Tundra Wombat";
const FRAGMENTS = ["Kestrel", "Quartz", "Violet", "Umber", "Saffron", "Tundra", "Wombat"];
/** As people write it: @ and : as they are (restic splits at the last @), the rest encoded. */
const AS_WRITTEN = "Kestrel@Quartz:Violet%2FUmber%25Saffron%23Tundra%20Wombat";
/** Every reserved character encoded. */
const ENCODED = encodeURIComponent(PASSWORD);
const USER = "backup";
const REPOSITORY_PASSWORD = "the repository's own password";

function leakedFragments(text: string): string[] {
  return FRAGMENTS.filter((fragment) => text.includes(fragment));
}

describe("displayUrl masks a URL password whole", () => {
  it("up to the last @ before the host, when the password holds @ and :", () => {
    expect(displayUrl(`rest:https://${USER}:${AS_WRITTEN}@backup.example:8000/r`)).toBe(
      "rest:https://backup:***@backup.example:8000/r",
    );
    expect(displayUrl("rest:https://user:p@ss@host/repo")).toBe("rest:https://user:***@host/repo");
  });

  it("percent-encoded, with a user name that is not secret left as it is", () => {
    expect(displayUrl(`rest:http://${USER}:${ENCODED}@[::1]:8000/r`)).toBe(
      "rest:http://backup:***@[::1]:8000/r",
    );
    expect(displayUrl(`s3:https://key:${AS_WRITTEN}@minio.lan/bucket`)).toBe(
      "s3:https://key:***@minio.lan/bucket",
    );
  });

  it("and leaves strings without a password alone", () => {
    for (const url of [
      "rest:https://backup.example/team@example",
      "sftp://backup@nas.lan//srv/restic",
      "sftp:backup@nas.lan:/srv/restic",
      "/srv/restic",
    ]) {
      expect(displayUrl(url)).toBe(url);
    }
  });
});

/**
 * The real parts: a rest-server that requires the password, two agents running restic 0.18,
 * the password written as people write it (backup endpoint) and fully encoded (maintenance).
 */
describe("a rest-server password holding @ : / % # and a space, end to end", () => {
  let world: World;
  let admin: Client;
  let viewer: Client;
  let rest: RestServer;
  let endpointAgent: AgentProcess;
  let maintenanceAgent: AgentProcess;
  let endpointId: string;
  let maintainerId: string;
  let repositoryId: string;
  const tree = mkdtempSync(path.join(tmpdir(), "rm-tree-"));

  const urlWith = (password: string) =>
    `rest:http://${USER}:${password}@127.0.0.1:${rest.port}/credentials`;
  const waitForEnd = (id: string) => waitForJobEnd(admin, id);

  async function onlineHost(except?: string) {
    const host = await waitFor(
      async () => (await admin.hosts.list.query()).items.find((h) => h.online && h.id !== except),
      { timeoutMs: 30_000, what: "an agent to come online" },
    );
    return host.id;
  }

  beforeAll(async () => {
    world = await createWorld();
    await world.addUser("admin", "admin");
    await world.addUser("viewer", "viewer");
    admin = await world.signIn("admin");
    viewer = await world.signIn("viewer");
    rest = await startRestServer(mkdtempSync(path.join(tmpdir(), "rm-rest-")), 15_000, {
      users: { [USER]: PASSWORD },
    });
    writeFileSync(path.join(tree, "notes.txt"), "what the backup holds\n");
    endpointAgent = startAgent(await enrollAgent(admin, world.server.url));
    endpointId = await onlineHost();
    maintenanceAgent = startAgent(await enrollAgent(admin, world.server.url));
    maintainerId = await onlineHost(endpointId);
  });

  afterAll(async () => {
    await endpointAgent?.stop();
    await maintenanceAgent?.stop();
    await rest?.stop();
    await world?.close();
  });

  it("the rest-server refuses a client without the password", async () => {
    const url = `http://127.0.0.1:${rest.port}/credentials/config`;
    expect((await fetch(url)).status).toBe(401);
    const wrong = `Basic ${Buffer.from(`${USER}:Kestrel`).toString("base64")}`;
    expect((await fetch(url, { headers: { authorization: wrong } })).status).toBe(401);
  });

  it("registers the repository: restic opens it with the password as written", async () => {
    const { repository, setupJobId } = await admin.repositories.create.mutate({
      name: "credentials",
      url: urlWith(AS_WRITTEN),
      password: REPOSITORY_PASSWORD,
      maintenance: { url: urlWith(ENCODED), hostId: maintainerId },
      setup: { mode: "init", hostId: endpointId },
    });
    repositoryId = repository.id;
    const setup = await waitForEnd(setupJobId);
    expect(setup, setup.error ?? "").toMatchObject({ state: "succeeded", endpoint: "backup" });
    const registered = await viewer.repositories.get.query({ id: repositoryId });
    expect(registered).toMatchObject({
      status: "ready",
      displayUrl: `rest:http://backup:***@127.0.0.1:${rest.port}/credentials`,
      maintenanceDisplayUrl: `rest:http://backup:***@127.0.0.1:${rest.port}/credentials`,
    });
  });

  it("backs up through the endpoint and checks through the encoded maintenance endpoint", async () => {
    const set = await admin.backupSets.create.mutate({
      name: "notes",
      hostId: endpointId,
      repositoryId,
      options: { paths: [tree] },
    });
    const { jobId } = await admin.backupSets.run.mutate({ id: set.id });
    const backup = await waitForEnd(jobId);
    expect(backup, backup.error ?? "").toMatchObject({ state: "succeeded", endpoint: "backup" });

    const { id } = await admin.jobs.create.mutate({
      hostId: maintainerId,
      repositoryId,
      params: { kind: "check" },
    });
    const check = await waitForEnd(id);
    expect(check, check.error ?? "").toMatchObject({
      state: "succeeded",
      endpoint: "maintenance",
    });
  });

  it("keeps the password masked when the endpoint is changed", async () => {
    await admin.repositories.update.mutate({ id: repositoryId, url: urlWith(ENCODED) });
    const row = await world.server.deps.db.repository.findUniqueOrThrow({
      where: { id: repositoryId },
    });
    expect(row.displayUrl).toBe(`rest:http://backup:***@127.0.0.1:${rest.port}/credentials`);
  });

  it("no part of the password is in what viewers read, the plain columns, the audit log or the logs", async () => {
    const read = JSON.stringify([
      await viewer.repositories.list.query(),
      await viewer.repositories.get.query({ id: repositoryId }),
      await viewer.jobs.list.query({}),
    ]);
    expect(read).toContain("backup:***@");
    expect(leakedFragments(read)).toEqual([]);

    const { db } = world.server.deps;
    const row = await db.repository.findUniqueOrThrow({ where: { id: repositoryId } });
    const plainColumns = Object.entries(row).filter(([column]) => !column.endsWith("Sealed"));
    expect(leakedFragments(JSON.stringify(plainColumns))).toEqual([]);

    const audit = await db.auditEvent.findMany();
    expect(audit.map((event) => event.action)).toEqual(
      expect.arrayContaining(["repository.created", "repository.updated"]),
    );
    expect(leakedFragments(JSON.stringify(audit))).toEqual([]);

    expect(leakedFragments(world.logs.join(""))).toEqual([]);
    expect(leakedFragments(endpointAgent.output() + maintenanceAgent.output())).toEqual([]);
  });
});
