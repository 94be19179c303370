import { describe, expect, it } from "vitest";
import {
  assertSupportedVersion,
  check,
  compareVersions,
  ensureSupportedVersion,
  init,
  ls,
  MIN_RESTIC_VERSION,
  parseVersionOutput,
  ResticVersionError,
} from "../src/index.js";
import { fakeRunner, scriptedRunner } from "./support/runners.js";

const repository = { url: "/srv/restic", password: "pw" };

describe("restic version", () => {
  it("parses the JSON form and the text form", () => {
    expect(
      parseVersionOutput(
        '{"message_type":"version","version":"0.18.0","go_version":"go1.24.4","go_os":"linux","go_arch":"amd64"}',
      ),
    ).toEqual({
      kind: "version",
      version: "0.18.0",
      goVersion: "go1.24.4",
      os: "linux",
      arch: "amd64",
    });
    expect(parseVersionOutput("restic 0.16.4 compiled with go1.21.6 on windows/amd64\n")).toEqual({
      kind: "version",
      version: "0.16.4",
      goVersion: "go1.21.6",
      os: "windows",
      arch: "amd64",
    });
    expect(
      parseVersionOutput(
        "restic 0.18.0-dev (compiled manually) compiled with go1.24 on linux/arm64",
      ),
    ).toMatchObject({ version: "0.18.0-dev" });
    expect(parseVersionOutput("something else")).toBeNull();
  });

  it("compares versions numerically", () => {
    expect(compareVersions("0.16.0", "0.9.6")).toBe(1);
    expect(compareVersions("0.16.0", "0.16.0")).toBe(0);
    expect(compareVersions("0.15.2", "0.16.0")).toBe(-1);
    expect(compareVersions("1.0.0", "0.18.1")).toBe(1);
    expect(compareVersions("0.18.0-dev", "0.18.0")).toBe(0);
  });

  it("refuses a version older than the minimum, naming both", () => {
    expect(MIN_RESTIC_VERSION).toBe("0.16.0");
    expect(() => assertSupportedVersion("0.16.0")).not.toThrow();
    expect(() => assertSupportedVersion("0.15.2")).toThrow(ResticVersionError);
    expect(() => assertSupportedVersion("0.14.0")).toThrow(
      "restic 0.14.0 is too old: restic-manager needs restic 0.16.0 or newer",
    );
  });

  it("falls back to the text form when `version --json` fails, with a fake runner", async () => {
    const { runner, processes } = fakeRunner((p) => {
      if (p.spec.args.includes("--json")) {
        p.writeStderr("unknown flag: --json\n");
        p.exit({ code: 1, signal: null });
      } else {
        p.writeStdout("restic 0.15.2 compiled with go1.20.3 on linux/amd64\n");
        p.exit({ code: 0, signal: null });
      }
    });
    const error = await ensureSupportedVersion({ runner, inheritEnv: {} }).catch((e: unknown) => e);
    expect(processes.map((p) => p.spec.args)).toEqual([["version", "--json"], ["version"]]);
    expect(error).toBeInstanceOf(ResticVersionError);
    expect(error).toMatchObject({
      code: "unsupported_version",
      found: "0.15.2",
      required: "0.16.0",
    });
  });

  it("never passes repository variables to `version`, with a fake runner", async () => {
    const { runner, processes } = scriptedRunner({
      stdout: "restic 0.17.3 compiled with go1.23 on linux/amd64\n",
    });
    await ensureSupportedVersion({ runner, inheritEnv: { PATH: "/bin" } });
    expect(processes[0]?.spec.env).toEqual({ PATH: "/bin" });
  });
});

describe("older restic output with a fake runner", () => {
  it("init: the text restic 0.16 prints", async () => {
    const { runner } = scriptedRunner({
      stdout:
        "created restic repository 1a2b3c4d5e at /srv/restic\n\nPlease note that knowledge of your password is required\n",
    });
    await expect(init({ repository, runner, inheritEnv: {} })).resolves.toEqual({
      kind: "init",
      repositoryId: "1a2b3c4d5e",
    });
  });

  it("check: restic < 0.18 has no JSON summary but says no errors were found", async () => {
    const { runner } = scriptedRunner({
      stdout:
        "using temporary cache in /tmp/restic-check-cache\nload indexes\ncheck all packs\ncheck snapshots, trees and blobs\nno errors were found\n",
    });
    await expect(check({ repository, runner, inheritEnv: {} })).resolves.toMatchObject({
      ok: true,
      numErrors: 0,
    });
  });

  it("ls: restic 0.16 names the kind in struct_type only", async () => {
    const { runner } = scriptedRunner({
      stdout: [
        `${JSON.stringify({ struct_type: "snapshot", id: "e".repeat(64), short_id: "eeeeeeee", time: "2024-01-01T10:00:00+01:00", tree: "f".repeat(64), paths: ["/home"], hostname: "h" })}\n`,
        `${JSON.stringify({ struct_type: "node", name: "a.txt", type: "file", path: "/home/a.txt", size: 3 })}\n`,
      ],
    });
    const result = await ls({ repository, runner, inheritEnv: {} }, { snapshotId: "latest" });
    expect(result.snapshot.id).toBe("e".repeat(64));
    expect(result.nodes).toEqual([expect.objectContaining({ path: "/home/a.txt", size: 3 })]);
  });
});
