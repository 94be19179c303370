import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { detectRestic } from "../src/execute.js";

const tools = path.resolve(import.meta.dirname, "../../../.tools/bin");

describe("restic detection", () => {
  it("finds the real restic and reports its version", async () => {
    const found = await detectRestic({ resticPath: path.join(tools, "restic") });
    expect(found).toEqual({ version: "0.18.0", path: path.join(tools, "restic"), problem: null });
  });

  it("says what to do when restic is missing", async () => {
    const missing = await detectRestic({ resticPath: "/nonexistent/restic" });
    expect(missing.version).toBeNull();
    expect(missing.problem).toBe(
      "restic was not found at /nonexistent/restic: fix resticPath in the agent config",
    );
  });

  it("says what to do when restic is too old", async () => {
    // A stand-in that answers like restic 0.14 (Debian bookworm's): no real 0.14 is installed here.
    const dir = mkdtempSync(path.join(tmpdir(), "rm-oldrestic-"));
    const old = path.join(dir, "restic");
    writeFileSync(old, "#!/bin/sh\necho 'restic 0.14.0 compiled with go1.19.8 on linux/amd64'\n");
    chmodSync(old, 0o755);
    const tooOld = await detectRestic({ resticPath: old });
    expect(tooOld).toEqual({
      version: "0.14.0",
      path: old,
      problem: "restic 0.14.0 is too old: install 0.16.0 or newer",
    });
  });
});
