import { execFile } from "node:child_process";
import { once } from "node:events";
import { mkdir, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import {
  describeTree,
  generateTree,
  type RestServer,
  startRestServer,
  waitFor,
} from "@restic-manager/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contentDisposition, downloadFileName } from "../src/downloads/names.js";
import { Downloads } from "../src/downloads/service.js";
import { AgentRegistry } from "../src/hosts/registry.js";
import { type AgentProcess, enrollAgent, startAgent } from "./support/agents.js";
import { randomTree, waitForJobEnd } from "./support/jobs.js";
import { type Client, createWorld, jarOf, type World } from "./support/world.js";

const run = promisify(execFile);
const PASSWORD = "repository password for the download test";
const ODD_NAME = "résumé ü 2025.txt";

/** Every file under `dir`, relative: what the server's data directory holds. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}

/**
 * Downloads from snapshots through the API, with real restic 0.18, rest-server, an agent and
 * the server: a file, folders as zip and tar, links that work once and for one user, a path
 * that is not there, an agent killed mid-way; and nothing of it on the server's disk.
 */
describe("downloads from snapshots", () => {
  let world: World;
  let admin: Client;
  let other: Client;
  let rest: RestServer;
  let agent: AgentProcess;
  let hostId = "";
  let repositoryId = "";
  let tree = "";
  let big = "";
  let snapshotId = "";
  let dataDirBefore: string[] = [];

  const fetchAs = (client: Client | undefined, url: string) =>
    fetch(`${world.server.url}${url}`, {
      headers: client ? { cookie: jarOf(client).cookie ?? "" } : {},
    });
  const prepare = (input: { path: string; archive?: "zip" | "tar" }) =>
    admin.downloads.prepare.mutate({ repositoryId, snapshotId, preferHostId: hostId, ...input });

  beforeAll(async () => {
    world = await createWorld();
    await world.addUser("admin", "admin");
    await world.addUser("other", "operator");
    admin = await world.signIn("admin");
    other = await world.signIn("other");
    rest = await startRestServer(await mkdtemp(path.join(tmpdir(), "rm-rest-")));
    agent = startAgent(await enrollAgent(admin, world.server.url));
    hostId = (
      await waitFor(async () => (await admin.hosts.list.query()).items.find((h) => h.online), {
        timeoutMs: 30_000,
        what: "the agent",
      })
    ).id;
    const { repository, setupJobId } = await admin.repositories.create.mutate({
      name: "main",
      url: rest.repository("main"),
      password: PASSWORD,
      setup: { mode: "init", hostId },
    });
    repositoryId = repository.id;
    expect((await waitForJobEnd(admin, setupJobId)).state).toBe("succeeded");

    tree = await mkdtemp(path.join(tmpdir(), "rm-download-tree-"));
    await generateTree(tree);
    await writeFile(path.join(tree, "docs", ODD_NAME), "a file whose name is not ASCII\n");
    // Random, so restic can neither compress nor deduplicate it: a download that takes a while.
    big = randomTree(64);
    const set = await admin.backupSets.create.mutate({
      name: "tree",
      hostId,
      repositoryId,
      options: { paths: [tree, big] },
    });
    const job = await waitForJobEnd(
      admin,
      (await admin.backupSets.run.mutate({ id: set.id })).jobId,
    );
    expect(job.state).toBe("succeeded");
    snapshotId = (job.result as { snapshotId: string }).snapshotId;
    dataDirBefore = await filesUnder(world.dataDir);
  }, 120_000);

  afterAll(async () => {
    await agent?.stop();
    await rest?.stop();
    await world?.close();
  });

  it("downloads one file byte for byte, under its own name and with its size", async () => {
    const file = path.join(tree, "photos", "photo-3.bin");
    const link = await prepare({ path: file });
    expect(link).toEqual({
      // 256 random bits; with several replicas, a link id and the link sealed for any of them.
      url: expect.stringMatching(/^\/api\/downloads\/([\w-]{43}|[\w-]{22}\.[\w-]+)$/),
      fileName: "photo-3.bin",
    });
    const response = await fetchAs(admin, link.url);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/octet-stream");
    expect(response.headers.get("content-disposition")).toBe('attachment; filename="photo-3.bin"');
    const original = await readFile(file);
    expect(response.headers.get("content-length")).toBe(String(original.byteLength));
    expect(Buffer.from(await response.arrayBuffer()).equals(original)).toBe(true);

    const odd = await prepare({ path: path.join(tree, "docs", ODD_NAME) });
    expect(odd.fileName).toBe(ODD_NAME);
    const oddResponse = await fetchAs(admin, odd.url);
    expect(oddResponse.headers.get("content-disposition")).toBe(
      `attachment; filename="resume u 2025.txt"; filename*=UTF-8''${encodeURIComponent(ODD_NAME)}`,
    );
    expect(await oddResponse.text()).toBe("a file whose name is not ASCII\n");

    const audit = await world.server.deps.db.auditEvent.findFirst({
      where: { action: "snapshot.downloaded" },
      orderBy: { at: "asc" },
    });
    expect(audit).toMatchObject({ actorName: "admin", targetId: repositoryId, targetName: "main" });
    expect(JSON.parse(audit?.details ?? "{}")).toEqual({
      snapshot: snapshotId,
      path: file,
      reader: expect.any(String),
    });
  });

  it("downloads a folder as .zip and as .tar, every file as it was", async () => {
    const original = await describeTree(tree);
    for (const archive of ["zip", "tar"] as const) {
      const link = await prepare({ path: tree, archive });
      expect(link.fileName).toBe(`${path.basename(tree)}.${archive}`);
      const response = await fetchAs(admin, link.url);
      expect(response.status, archive).toBe(200);
      expect(response.headers.get("content-type")).toBe(
        archive === "zip" ? "application/zip" : "application/x-tar",
      );
      expect(response.headers.get("content-disposition")).toBe(
        `attachment; filename="${link.fileName}"`,
      );
      const into = await mkdtemp(path.join(tmpdir(), `rm-download-${archive}-`));
      const file = path.join(into, link.fileName);
      await writeFile(file, Buffer.from(await response.arrayBuffer()));
      const extracted = path.join(into, "extracted");
      if (archive === "zip") await run("unzip", ["-q", file, "-d", extracted]);
      else {
        await mkdir(extracted);
        await run("tar", ["-xf", file, "-C", extracted]);
      }
      // restic names entries by their path in the snapshot, without the leading slash.
      expect(await describeTree(path.join(extracted, tree)), archive).toEqual(original);
    }
  });

  it("lets a link be used once, and only by the user who asked for it", async () => {
    const link = await prepare({ path: path.join(tree, "README.txt") });
    const anonymous = await fetchAs(undefined, link.url);
    expect(anonymous.status).toBe(401);
    const stranger = await fetchAs(other, link.url);
    expect(stranger.status).toBe(403);
    expect(await stranger.text()).toMatch(/another user's/);
    const first = await fetchAs(admin, link.url);
    expect(first.status).toBe(200);
    expect(await first.text()).toBe(await readFile(path.join(tree, "README.txt"), "utf8"));
    const again = await fetchAs(admin, link.url);
    expect(again.status).toBe(404);
    expect(await again.text()).toMatch(/unknown, used or expired/);
  });

  it("says clearly when the path is not in the snapshot, or needs an archive", async () => {
    const missing = await prepare({ path: path.join(tree, "no-such-file.txt") });
    const response = await fetchAs(admin, missing.url);
    expect(response.status).toBe(404);
    expect(await response.text()).toMatch(/no-such-file\.txt is not in snapshot/);

    const folder = await prepare({ path: path.join(tree, "docs") });
    const asFile = await fetchAs(admin, folder.url);
    expect(asFile.status).toBe(400);
    expect(await asFile.text()).toMatch(/is a folder: download it as \.zip or \.tar/);
  });

  it("stops restic on the agent when the browser leaves mid-download", async () => {
    const link = await prepare({ path: big, archive: "zip" });
    const leave = new AbortController();
    const response = await fetch(`${world.server.url}${link.url}`, {
      headers: { cookie: jarOf(admin).cookie ?? "" },
      signal: leave.signal,
    });
    const reader = response.body?.getReader();
    expect((await reader?.read())?.value?.byteLength).toBeGreaterThan(0);
    leave.abort();
    // The agent logs the cut once its dump has ended, i.e. once restic is gone.
    await waitFor(() => agent.output().includes('"upload.cut"'), {
      timeoutMs: 20_000,
      what: "the agent to stop its upload",
    });
    expect(world.server.deps.downloads.pendingUploads).toBe(0);
  });

  it("breaks the download when the agent is killed mid-way, never ending it short", async () => {
    // A folder comes chunked, with no length to tell a short download by: only an aborted
    // transfer can say it broke.
    const link = await prepare({ path: big, archive: "tar" });
    const response = await fetchAs(admin, link.url);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-length")).toBeNull();
    const reader = response.body?.getReader();
    if (!reader) throw new Error("no body");
    // Bytes flow; the browser stops reading for a moment, so the rest cannot all be in transit.
    const first = await reader.read();
    expect(first.value?.byteLength).toBeGreaterThan(0);
    const exited = once(agent.child, "exit");
    agent.child.kill("SIGKILL");
    await exited;
    let received = first.value?.byteLength ?? 0;
    const failure = await (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return undefined;
        received += value.byteLength;
      }
    })().catch((error: unknown) => error);
    expect(failure, `the download ended cleanly after ${received} bytes`).toBeInstanceOf(Error);
    expect(received).toBeLessThan(64 * 1024 * 1024);
    await waitFor(() => world.logs.some((line) => line.includes('"download.broken"')), {
      what: "the server to log the broken download",
    });
  });

  it("leaves nothing in the server's data directory, and no link or upload waiting", async () => {
    expect(await filesUnder(world.dataDir)).toEqual(dataDirBefore);
    expect(world.server.deps.downloads.pendingUploads).toBe(0);
    expect(world.server.deps.downloads.pendingLinks).toBe(0);
    // A link is a credential for a few minutes: the request log leaves it out.
    expect(world.logs.join("")).not.toMatch(/\/api\/downloads\/[\w-]{22}/);
  });
});

describe("download links and names (fake clock, no agent)", () => {
  const link = {
    userId: "u1",
    repositoryId: "r1",
    snapshotId: "a".repeat(64),
    path: "/srv/file.txt",
    archive: undefined,
    readerHostId: "h1",
    fileName: "file.txt",
  };

  it("keeps a link for five minutes, for its owner only, and gives it out once", () => {
    let now = 0;
    const downloads = new Downloads(new AgentRegistry(), { now: () => now });
    const token = downloads.issue(link) ?? "";
    expect(token).toMatch(/^[\w-]{43}$/);
    expect(downloads.redeem(token, "u2")).toBe("not-yours");
    expect(downloads.redeem(token, "u1")).toEqual(link);
    expect(downloads.redeem(token, "u1")).toBe("unknown");
    const late = downloads.issue(link) ?? "";
    now += 5 * 60_000;
    expect(downloads.redeem(late, "u1")).toBe("unknown");
    expect(downloads.pendingLinks).toBe(0);
  });

  it("names a download after its path, and says non-ASCII names both ways", () => {
    expect(downloadFileName("/srv/docs", "zip", "0123456789abcdef")).toBe("docs.zip");
    expect(downloadFileName("/", "tar", "0123456789abcdef")).toBe("snapshot-01234567.tar");
    expect(contentDisposition("report.pdf")).toBe('attachment; filename="report.pdf"');
    expect(contentDisposition('Übersicht "Q1" 100%.txt')).toBe(
      `attachment; filename="Ubersicht _Q1_ 100_.txt"; filename*=UTF-8''%C3%9Cbersicht%20%22Q1%22%20100%25.txt`,
    );
    expect(contentDisposition("日本.txt")).toBe(
      `attachment; filename="__.txt"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.txt`,
    );
  });
});
