import { afterEach, describe, expect, it, vi } from "vitest";
import {
  backup,
  forget,
  ls,
  nodeProcessRunner,
  ResticCancelledError,
  type ResticContext,
  ResticOutputError,
  ResticOutputLimitError,
  ResticSpawnError,
  snapshots,
} from "../src/index.js";
import { type FakeProcess, fakeRunner, scriptedRunner } from "./support/runners.js";

const repository = { url: "rest:http://127.0.0.1:9/fake", password: "fake-password-1234" };
const status = (percent: number) =>
  `${JSON.stringify({ message_type: "status", percent_done: percent, total_files: 3, files_done: Math.round(percent * 3), total_bytes: 300, bytes_done: percent * 300 })}\n`;
const summary = `${JSON.stringify({
  message_type: "summary",
  files_new: 3,
  files_changed: 0,
  files_unmodified: 0,
  dirs_new: 1,
  dirs_changed: 0,
  dirs_unmodified: 0,
  data_blobs: 3,
  tree_blobs: 1,
  data_added: 300,
  total_files_processed: 3,
  total_bytes_processed: 300,
  snapshot_id: "a".repeat(64),
})}\n`;

function context(
  runner: ResticContext["runner"],
  overrides: Partial<ResticContext> = {},
): ResticContext {
  return { repository, runner, inheritEnv: {}, ...overrides };
}

/** Resolves once the fake process has received `count` signals. */
async function signalled(process: FakeProcess | undefined, count = 1) {
  for (let i = 0; i < 1000 && (process?.signals.length ?? 0) < count; i += 1) {
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process?.signals ?? [];
}

afterEach(() => {
  vi.useRealTimers();
});

describe("JSON lines with a fake runner", () => {
  it("keeps a non-JSON line and shows it when the summary is missing", async () => {
    const { runner } = scriptedRunner({
      stdout: [status(0.5), '{"message_ty', "pe broken\nnot json at all\n"],
      exitCode: 0,
    });
    const error = await backup(context(runner), { paths: ["/data"] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResticOutputError);
    expect((error as Error).message).toContain("without its summary");
    expect((error as Error).message).toContain("not json at all");
    expect((error as Error).message).toContain('{"message_type broken');
  });

  it("rejects a line whose shape is wrong, and stops restic", async () => {
    const { runner, processes } = fakeRunner((p) => {
      p.writeStdout(status(0.1));
      p.writeStdout('{"message_type":"status","percent_done":"half"}\n');
    });
    const error = await backup(context(runner), { paths: ["/data"] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResticOutputError);
    expect((error as Error).message).toMatch(/"status" message that does not match.*percent_done/);
    expect(processes[0]?.signals).toEqual(["SIGINT"]);
    expect((error as ResticOutputError).exitCode).toBe(130);
  });

  it("rejects an unknown message_type clearly", async () => {
    const { runner, processes } = fakeRunner((p) => {
      p.writeStdout('{"message_type":"surprise","x":1}\n');
    });
    const error = await backup(context(runner), { paths: ["/data"] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResticOutputError);
    expect((error as Error).message).toBe(
      'restic backup printed unknown message_type "surprise" (expected status, summary, verbose_status, error)',
    );
    expect(processes[0]?.signals).toEqual(["SIGINT"]);
  });

  it("keeps text lines as text even when they look like numbers", async () => {
    const { runner } = scriptedRunner({ stdout: ["42\n", status(1), summary], exitCode: 0 });
    await expect(backup(context(runner), { paths: ["/data"] })).resolves.toMatchObject({
      status: "complete",
    });
  });

  it("forget by id with --prune: no JSON, only prune's text (which starts with [0:00])", async () => {
    const { runner } = scriptedRunner({
      stdout: [
        "loading indexes...\n[0:00] 100.00%  3 / 3 snapshots\nsearching used packs...\n",
        "to repack:            12 blobs / 1.500 MiB\nthis removes:          4 blobs / 512 KiB\n",
        "to delete:             2 blobs / 10 B\ntotal prune:           6 blobs / 512.010 KiB\n",
        "remaining:            40 blobs / 2.000 GiB\nunused size after prune: 0 B (0.00% of remaining size)\ndone\n",
      ],
    });
    const result = await forget(context(runner), { snapshotIds: ["abcd1234"], prune: true });
    expect(result).toMatchObject({ groups: [], removedCount: 1, keptCount: 0 });
    expect(result.prune).toMatchObject({
      dryRun: false,
      toRepack: { blobs: 12, bytes: 1572864 },
      removes: { blobs: 4, bytes: 524288 },
      toDelete: { blobs: 2, bytes: 10 },
      totalPrune: { blobs: 6, bytes: 524298 },
      remaining: { blobs: 40, bytes: 2 * 1024 ** 3 },
      unusedAfterPruneBytes: 0,
    });
  });

  it("treats exit code 0 without a summary as an error", async () => {
    const { runner } = scriptedRunner({ stdout: status(1), exitCode: 0 });
    const error = await backup(context(runner), { paths: ["/data"] }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "invalid_output", exitCode: 0 });
  });

  it("parses lines split across chunks and multi-byte characters split across chunks", async () => {
    const line = `${JSON.stringify({ message_type: "status", percent_done: 0.5, current_files: ["/data/čćž.txt"] })}\n`;
    const bytes = Buffer.from(line + summary);
    const cut = bytes.indexOf(Buffer.from("ć")) + 1; // inside the two-byte ć
    const fake = fakeRunner((p) => {
      p.writeStdout(bytes.subarray(0, cut));
      p.writeStdout(bytes.subarray(cut));
      p.exit({ code: 0, signal: null });
    });
    const seen: string[][] = [];
    const result = await backup(
      context(fake.runner, { progressIntervalMs: 0 }),
      { paths: ["/data"] },
      {
        onProgress: (p) => seen.push(p.currentFiles),
      },
    );
    expect(result.snapshotId).toBe("a".repeat(64));
    expect(seen[0]).toEqual(["/data/čćž.txt"]);
  });
});

describe("output ceiling with a fake runner", () => {
  it("stops restic when a JSON document outgrows the ceiling", async () => {
    const { runner, processes } = fakeRunner((p) => {
      p.writeStdout(`[${'{"id":"x"},'.repeat(500)}`);
    });
    const error = await snapshots(context(runner, { maxOutputBytes: 1024 })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ResticOutputLimitError);
    expect((error as Error).message).toContain("more than 1024 bytes");
    expect(processes[0]?.signals).toEqual(["SIGINT"]);
  });

  it("stops restic when kept lines outgrow the ceiling", async () => {
    const node = (i: number) =>
      `${JSON.stringify({ message_type: "node", struct_type: "node", name: `f${i}`, type: "file", path: `/d/f${i}` })}\n`;
    const snapshot = `${JSON.stringify({
      message_type: "snapshot",
      id: "b".repeat(64),
      short_id: "bbbbbbbb",
      time: "2026-01-01T00:00:00Z",
      tree: "c".repeat(64),
      paths: ["/d"],
      hostname: "h",
    })}\n`;
    const { runner, processes } = fakeRunner((p) => {
      p.writeStdout(snapshot);
      for (let i = 0; i < 100; i += 1) p.writeStdout(node(i));
    });
    const error = await ls(context(runner, { maxOutputBytes: 2000 }), {
      snapshotId: "latest",
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResticOutputLimitError);
    expect(processes[0]?.signals).toEqual(["SIGINT"]);
  });

  it("stops restic when one line never ends", async () => {
    const { runner } = fakeRunner((p) => {
      p.writeStdout(`{"message_type":"status","current_files":["${"x".repeat(5000)}`);
    });
    const error = await backup(context(runner, { maxOutputBytes: 4096 }), { paths: ["/d"] }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ResticOutputLimitError);
  });

  it("does not count status lines it does not keep", async () => {
    const { runner } = fakeRunner((p) => {
      for (let i = 0; i < 200; i += 1) p.writeStdout(status(i / 200));
      p.writeStdout(summary);
      p.exit({ code: 0, signal: null });
    });
    const result = await backup(context(runner, { maxOutputBytes: 2048 }), { paths: ["/d"] });
    expect(result.status).toBe("complete");
  });
});

describe("cancellation with a fake runner", () => {
  it("sends SIGINT first and reports a cancelled run", async () => {
    const controller = new AbortController();
    const { runner, processes } = fakeRunner((p) => p.writeStdout(status(0.2)));
    const running = backup(context(runner), { paths: ["/d"] }, { signal: controller.signal });
    controller.abort();
    const error = await running.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResticCancelledError);
    expect(error).toMatchObject({ code: "cancelled", exitCode: 130, command: "backup" });
    expect(processes[0]?.signals).toEqual(["SIGINT"]);
  });

  it("sends SIGKILL when restic ignores SIGINT for the grace period", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const controller = new AbortController();
    const { runner, processes } = fakeRunner((p) => {
      p.onSignal = (signal, self) => {
        if (signal === "SIGKILL") self.exit({ code: null, signal: "SIGKILL" });
      };
    });
    const running = backup(
      context(runner, { killGraceMs: 5000 }),
      { paths: ["/d"] },
      {
        signal: controller.signal,
      },
    ).catch((e: unknown) => e);
    controller.abort();
    expect(await signalled(processes[0])).toEqual(["SIGINT"]);
    await vi.advanceTimersByTimeAsync(4999);
    expect(processes[0]?.signals).toEqual(["SIGINT"]);
    await vi.advanceTimersByTimeAsync(1);
    const error = await running;
    expect(processes[0]?.signals).toEqual(["SIGINT", "SIGKILL"]);
    expect(error).toMatchObject({ code: "cancelled", exitCode: null });
  });

  it("does not start restic when the signal is already aborted", async () => {
    const { runner, processes } = fakeRunner();
    const error = await backup(
      context(runner),
      { paths: ["/d"] },
      { signal: AbortSignal.abort() },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResticCancelledError);
    expect(processes).toHaveLength(0);
  });

  it("returns the result when restic finished despite the late abort", async () => {
    const controller = new AbortController();
    const { runner } = fakeRunner((p) => {
      p.onSignal = (_signal, self) => {
        self.writeStdout(summary);
        self.exit({ code: 0, signal: null });
      };
    });
    const running = backup(context(runner), { paths: ["/d"] }, { signal: controller.signal });
    controller.abort();
    await expect(running).resolves.toMatchObject({ status: "complete" });
  });
});

describe("starting restic", () => {
  it("reports a binary that cannot be started (real spawn)", async () => {
    const error = await snapshots({
      repository,
      bin: "/nonexistent/restic-binary",
      runner: nodeProcessRunner,
      inheritEnv: {},
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResticSpawnError);
    expect((error as Error).message).toContain("/nonexistent/restic-binary");
  });

  it("reports a runner that throws, with a fake runner", async () => {
    const error = await snapshots(
      context(() => {
        throw new Error(`spawn failed for ${repository.password}`);
      }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResticSpawnError);
    expect((error as Error).message).not.toContain(repository.password);
  });

  it("tells what each run was given as it starts, redacted, with a fake runner", async () => {
    const { runner } = scriptedRunner({ stdout: "[]\n" });
    const commands: string[][] = [];
    await snapshots(
      context(runner, { retryLock: "2m", onCommand: (args) => commands.push([...args]) }),
      { tags: [`label-${repository.password}`] },
    );
    expect(commands).toEqual([["--retry-lock=2m", "snapshots", "--json", "--tag=label-***", "--"]]);
  });

  it("passes global flags before the subcommand, with a fake runner", async () => {
    const { runner, processes } = scriptedRunner({ stdout: "[]\n" });
    await snapshots(context(runner, { cacheDir: "C:\\Users\\agent\\cache", retryLock: "2m" }));
    expect(processes[0]?.spec.args.slice(0, 3)).toEqual([
      "--cache-dir=C:\\Users\\agent\\cache",
      "--retry-lock=2m",
      "snapshots",
    ]);
    const noCache = scriptedRunner({ stdout: "[]\n" });
    await snapshots(context(noCache.runner, { cacheDir: false }));
    expect(noCache.processes[0]?.spec.args[0]).toBe("--no-cache");
  });
});
