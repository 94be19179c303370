import { chmod, mkdtemp, readFile, rm, stat, utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  changeTree,
  describeTree,
  generateTree,
  type RestServer,
  startRestServer,
  TREE_CHANGES,
  waitFor,
} from "@restic-manager/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentProcess, enrollAgent, startAgent } from "./support/agents.js";
import { waitForJobEnd } from "./support/jobs.js";
import { type Client, createWorld, errorOf, type World } from "./support/world.js";

const PASSWORD = "repository password for the restore test";
const MTIME = new Date("2025-05-04T03:02:01Z");

/**
 * Snapshots read through agents and restored through the wizard's API, with real restic 0.18,
 * rest-server and two agents: the original location, another path, another host; browsing
 * through the second host while the snapshot's own is stopped; and every refusal before
 * anything is written.
 */
describe("browsing and restoring snapshots", () => {
  let world: World;
  let admin: Client;
  let rest: RestServer;
  const agents: AgentProcess[] = [];
  let configA = "";
  let hostA = "";
  let hostB = "";
  let repositoryId = "";
  let setA = "";
  let tree = "";
  let snapshotId = "";
  let secondSnapshotId = "";

  beforeAll(async () => {
    world = await createWorld();
    await world.addUser("admin", "admin");
    admin = await world.signIn("admin");
    rest = await startRestServer(await mkdtemp(path.join(tmpdir(), "rm-rest-")));
    const ids: string[] = [];
    for (const name of ["a", "b"]) {
      const configFile = await enrollAgent(admin, world.server.url);
      if (name === "a") configA = configFile;
      agents.push(startAgent(configFile));
      const host = await waitFor(
        async () =>
          (await admin.hosts.list.query()).items.find((h) => h.online && !ids.includes(h.id)),
        { timeoutMs: 30_000, what: `agent ${name}` },
      );
      ids.push(host.id);
    }
    [hostA = "", hostB = ""] = ids;
    const { repository, setupJobId } = await admin.repositories.create.mutate({
      name: "main",
      url: rest.repository("main"),
      password: PASSWORD,
      setup: { mode: "init", hostId: hostA },
    });
    repositoryId = repository.id;
    expect((await waitForJobEnd(admin, setupJobId)).state).toBe("succeeded");

    tree = await mkdtemp(path.join(tmpdir(), "rm-restore-tree-"));
    await generateTree(tree);
    await chmod(path.join(tree, "docs", "note-01.txt"), 0o640);
    await utimes(path.join(tree, "docs", "note-01.txt"), MTIME, MTIME);
    setA = (
      await admin.backupSets.create.mutate({
        name: "tree",
        hostId: hostA,
        repositoryId,
        options: { paths: [tree] },
      })
    ).id;
    // B backs up something else to the same repository: that gives it access.
    const elsewhere = await mkdtemp(path.join(tmpdir(), "rm-restore-b-"));
    await admin.backupSets.create.mutate({
      name: "other",
      hostId: hostB,
      repositoryId,
      options: { paths: [elsewhere] },
    });
    const first = await admin.backupSets.run.mutate({ id: setA });
    const job = await waitForJobEnd(admin, first.jobId);
    expect(job.state).toBe("succeeded");
    snapshotId = (job.result as { snapshotId: string }).snapshotId;
  }, 120_000);

  afterAll(async () => {
    for (const agent of agents) await agent.stop();
    await rest?.stop();
    await world?.close();
  });

  it("lists snapshots with their host and set, and says which host read them", async () => {
    const listed = await admin.snapshots.list.query({ repositoryId, backupSetId: setA });
    expect(listed.reader.hostId).toBe(hostA);
    expect(listed.snapshots).toHaveLength(1);
    expect(listed.snapshots[0]).toMatchObject({
      id: snapshotId,
      hostId: hostA,
      backupSetId: setA,
      backupSetName: "tree",
      paths: [tree],
    });
  });

  it("browses a snapshot a directory at a time, sorted, with sizes, modes and times", async () => {
    const browse = (dir: string) =>
      admin.snapshots.browse.query({ repositoryId, snapshotId, path: dir });
    const first = await browse(path.join(tree, "docs"));
    const facts = await describeTree(tree);
    const docs = facts.files.filter((f) => f.path.startsWith("docs/"));
    expect(first.entries.map((e) => e.name)).toEqual(docs.map((f) => f.path.slice(5)));
    expect(first.entries.map((e) => e.size)).toEqual(docs.map((f) => f.size));
    const note = first.entries.find((e) => e.name === "note-01.txt");
    expect((note?.mode ?? 0) & 0o777).toBe(0o640);
    expect(Date.parse(note?.mtime ?? "")).toBe(MTIME.getTime());
    // The second directory comes from the listing the first one built.
    const top = await browse(tree);
    expect(top.cached).toBe(true);
    expect(top.entries.map((e) => [e.name, e.type])).toEqual([
      ["README.txt", "file"],
      ["docs", "dir"],
      ["photos", "dir"],
      ["src", "dir"],
    ]);
    const found = await admin.snapshots.find.query({
      repositoryId,
      snapshotId,
      pattern: "file-?.BIN",
    });
    expect(found.matches.map((m) => m.path)).toEqual(
      [1, 2, 3, 4, 5, 6].map((i) => path.join(tree, "src", "nested", `file-${i}.bin`)),
    );
    const missing = await errorOf(browse(path.join(tree, "nothing-here")));
    expect(missing.message).toMatch(/not a directory in this snapshot/);
  });

  it("refuses a bad restore with the reason, before anything is written", async () => {
    const base = { repositoryId, snapshotId, sourceHostId: hostA };
    const refusals: Array<[Parameters<typeof admin.restores.start.mutate>[0], RegExp]> = [
      [{ ...base, target: { type: "original" } }, /confirm it/],
      [
        { ...base, target: { type: "path", path: "/srv/restores" } },
        /allows no restore directories/,
      ],
      [
        { ...base, paths: [`${tree}/../etc/passwd`], target: { type: "original" } },
        /\.\. segments/,
      ],
      [{ ...base, paths: ["-rf"], target: { type: "original" } }, /starts with \//],
    ];
    for (const [input, message] of refusals) {
      expect((await errorOf(admin.restores.start.mutate(input))).message).toMatch(message);
    }
    await admin.restores.setRoots.mutate({ hostId: hostA, roots: ["/srv/restores"] });
    expect(
      (
        await errorOf(
          admin.restores.start.mutate({
            ...base,
            target: { type: "path", path: "/srv/restores/../etc" },
          }),
        )
      ).message,
    ).toMatch(/outside the directories/);
    expect(
      (
        await errorOf(
          admin.restores.start.mutate({
            ...base,
            snapshotId: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            target: { type: "original" },
            confirmOverwrite: true,
          }),
        )
      ).message,
    ).toMatch(/no matching ID|not found|does not exist/i);
    // A third host with no set in the repository has no access to it.
    const stranger = await enrollAgent(admin, world.server.url);
    agents.push(startAgent(stranger));
    const strangerId = await waitFor(
      async () =>
        (await admin.hosts.list.query()).items.find(
          (h) => h.online && ![hostA, hostB].includes(h.id),
        )?.id,
    );
    expect(
      (
        await errorOf(
          admin.restores.start.mutate({
            ...base,
            target: { type: "host", hostId: strangerId, path: "/srv/restores" },
          }),
        )
      ).message,
    ).toMatch(/has no access to "main"/);
    expect(await world.server.deps.db.job.count({ where: { kind: "restore" } })).toBe(0);
  });

  it("restores a deleted file to its original place byte for byte, with its mode and time", async () => {
    const file = path.join(tree, "docs", "note-01.txt");
    const before = await readFile(file);
    await rm(file);
    const { jobId } = await admin.restores.start.mutate({
      repositoryId,
      snapshotId,
      sourceHostId: hostA,
      paths: [file],
      target: { type: "original" },
      confirmOverwrite: true,
    });
    const job = await waitForJobEnd(admin, jobId);
    expect(job.state).toBe("succeeded");
    // restic counts the directories on the way as restored items; the bytes are the file's.
    expect(job.result).toMatchObject({
      kind: "restore",
      summary: { bytesRestored: before.byteLength, filesSkipped: 0 },
    });
    expect((await readFile(file)).equals(before)).toBe(true);
    const restored = await stat(file);
    expect(restored.mode & 0o777).toBe(0o640);
    expect(restored.mtime.getTime()).toBe(MTIME.getTime());
    const audit = await world.server.deps.db.auditEvent.findFirst({
      where: { action: "snapshot.restored" },
      orderBy: { at: "desc" },
    });
    expect(audit?.actorName).toBe("admin");
    expect(JSON.parse(audit?.details ?? "{}")).toMatchObject({
      snapshot: snapshotId,
      to: expect.any(String),
      target: "/",
      original: true,
      paths: [file],
    });
  });

  it("restores to another path, and to another host, byte for byte", async () => {
    const original = await describeTree(tree);
    for (const [hostId, label] of [
      [hostA, "same host"],
      [hostB, "other host"],
    ] as const) {
      const root = await mkdtemp(path.join(tmpdir(), "rm-restore-into-"));
      await admin.restores.setRoots.mutate({ hostId, roots: [root] });
      const { jobId } = await admin.restores.start.mutate({
        repositoryId,
        snapshotId,
        sourceHostId: hostA,
        target:
          hostId === hostA ? { type: "path", path: root } : { type: "host", hostId, path: root },
      });
      const job = await waitForJobEnd(admin, jobId);
      expect(job.state, label).toBe("succeeded");
      expect(job.hostId, label).toBe(hostId);
      expect(await describeTree(path.join(root, tree)), label).toEqual(original);
    }
  });

  it("diffs two snapshots, and browses through another host while the snapshot's own is stopped", async () => {
    await changeTree(tree);
    const second = await admin.backupSets.run.mutate({ id: setA });
    const job = await waitForJobEnd(admin, second.jobId);
    secondSnapshotId = (job.result as { snapshotId: string }).snapshotId;
    const diff = await admin.snapshots.diff.query({
      repositoryId,
      from: snapshotId,
      to: secondSnapshotId,
    });
    const changes = new Map(diff.changes.map((c) => [c.path, c.modifier]));
    expect(changes.get(path.join(tree, TREE_CHANGES.added))).toBe("+");
    expect(changes.get(path.join(tree, TREE_CHANGES.removed))).toBe("-");
    expect(changes.get(path.join(tree, TREE_CHANGES.modified))).toBe("M");

    await agents[0]?.stop();
    await waitFor(async () => !(await admin.hosts.get.query({ id: hostA })).online || undefined);
    const through = await admin.snapshots.browse.query({
      repositoryId,
      snapshotId,
      preferHostId: hostA,
      path: path.join(tree, "src"),
    });
    expect(through.reader).toEqual({ hostId: hostB, hostName: expect.any(String) });
    expect(through.entries.map((e) => e.name)).toContain("nested");
    agents[0] = startAgent(configA);
  });
});
