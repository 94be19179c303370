import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertReadyRepository } from "./support/repositories.js";
import { type Client, codeOf, createWorld, errorOf, type World } from "./support/world.js";

/** Repository strings whose host would reach ssh (or another program) as an option. */
const OPTION_HOSTS = [
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the shell's ${IFS}, not a placeholder
  "sftp:-oProxyCommand=touch${IFS}/tmp/x:/repo",
  "sftp://-oProxyCommand=x/repo",
  "sftp:backup@-oProxyCommand=x:/repo",
  "rest:https://-oProxyCommand=x/repo",
  "s3:-endpoint/bucket",
];

/** Refused by the input schema: no row, no job, so no agent is ever asked to run ssh. */
describe("a repository host beginning with - is refused before anything runs", () => {
  let world: World;
  let admin: Client;
  let hostId: string;

  beforeAll(async () => {
    world = await createWorld();
    await world.addUser("admin", "admin");
    admin = await world.signIn("admin");
    const host = await world.server.deps.db.host.create({
      data: { name: "web1", hostname: "web1", os: "linux", credentialHash: "x" },
    });
    hostId = host.id;
  });

  afterAll(() => world?.close());

  it.each(OPTION_HOSTS)(
    "create with %s fails BAD_REQUEST and creates no row or job",
    async (url) => {
      const create = () =>
        admin.repositories.create.mutate({
          name: "bad",
          url,
          password: "pw",
          setup: { mode: "init", hostId },
        });
      expect(await codeOf(create())).toBe("BAD_REQUEST");
      expect((await errorOf(create())).message).toMatch(/host may not begin with -/);
      const { db } = world.server.deps;
      expect(await db.repository.count()).toBe(0);
      expect(await db.job.count()).toBe(0);
      expect(await db.auditEvent.count({ where: { action: "repository.created" } })).toBe(0);
    },
  );

  it("the same as a maintenance endpoint, and in an update, which keeps the stored strings", async () => {
    const maintenance = admin.repositories.create.mutate({
      name: "bad",
      url: "rest:https://backup.example/r",
      password: "pw",
      maintenance: { url: "sftp:-oProxyCommand=x:/repo", hostId },
      setup: { mode: "init", hostId },
    });
    expect(await codeOf(maintenance)).toBe("BAD_REQUEST");

    const { db, keyring } = world.server.deps;
    const stored = await insertReadyRepository(
      { db, keyring },
      { name: "good", url: "sftp:backup@nas.lan:/srv/restic", password: "pw" },
    );
    for (const update of [
      { id: stored.id, url: "sftp://-oProxyCommand=x/repo" },
      { id: stored.id, maintenance: { url: "sftp:-oProxyCommand=x:/repo", hostId } },
    ]) {
      expect(await codeOf(admin.repositories.update.mutate(update))).toBe("BAD_REQUEST");
    }
    const after = await db.repository.findUniqueOrThrow({ where: { id: stored.id } });
    expect(after).toMatchObject({
      displayUrl: "sftp:backup@nas.lan:/srv/restic",
      urlSealed: stored.urlSealed,
      maintenanceUrlSealed: null,
    });
    expect(await db.job.count()).toBe(0);
  });
});
