import { describe, expect, it } from "vitest";
import { initialValues, toJobParams } from "../src/pages/hosts/operations/params";
import { describeParams } from "../src/pages/jobs/params";
import { parseEnvLines } from "../src/pages/repositories/env";

describe("operation form values to job params", () => {
  it("turns lines, numbers and checkboxes into a backup's params", () => {
    const checked = toJobParams("backup", {
      ...initialValues("backup"),
      paths: "/home\n\n  /etc  \n",
      excludes: "*.tmp",
      limitUpload: "512",
      oneFileSystem: "true",
      dryRun: "",
    });
    expect(checked).toEqual({
      ok: true,
      data: {
        kind: "backup",
        paths: ["/home", "/etc"],
        excludes: ["*.tmp"],
        limitUpload: 512,
        oneFileSystem: true,
      },
    });
  });

  it("names the field that is missing or wrong, and the line of a list item", () => {
    expect(toJobParams("backup", initialValues("backup"))).toEqual({
      ok: false,
      errors: { paths: "Required" },
    });
    const badTag = toJobParams("backup", { paths: "/srv", tags: "daily\na,b" });
    expect(badTag.ok ? {} : badTag.errors).toEqual({
      tags: "Line 2: A tag must not contain commas or start with whitespace",
    });
  });

  it("nests retention rules, keeps `unlimited`, and maps group-by choices", () => {
    const checked = toJobParams("forget", {
      ...initialValues("forget"),
      "policy.keepDaily": "7",
      "policy.keepYearly": "unlimited",
      groupBy: "none",
    });
    expect(checked).toEqual({
      ok: true,
      data: { kind: "forget", policy: { keepDaily: 7, keepYearly: "unlimited" }, groupBy: [] },
    });
  });

  it("reports the contract's whole-form rules under the empty key", () => {
    const nothing = toJobParams("forget", initialValues("forget"));
    expect(nothing.ok ? {} : nothing.errors).toEqual({
      "": "Give a retention rule or the snapshots to forget",
    });
    const word = toJobParams("forget", { "policy.keepLast": "lots" });
    expect(word.ok ? {} : word.errors).toEqual({
      "policy.keepLast": "Enter a whole number or “unlimited”",
    });
  });

  it("starts every kind from values its own schema can check", () => {
    expect(toJobParams("version", initialValues("version")).ok).toBe(true);
    expect(toJobParams("snapshots", initialValues("snapshots")).ok).toBe(true);
    expect(toJobParams("stats", initialValues("stats"))).toEqual({
      ok: true,
      data: { kind: "stats", mode: "restore-size" },
    });
    expect(toJobParams("ls", initialValues("ls"))).toEqual({
      ok: true,
      data: { kind: "ls", snapshotId: "latest" },
    });
  });
});

describe("repository environment lines", () => {
  it("reads KEY=value lines, keeping = inside values and skipping comments", () => {
    expect(
      parseEnvLines("# backend\nAWS_ACCESS_KEY_ID=abc\n\nAWS_SECRET_ACCESS_KEY=x=y\n"),
    ).toEqual({ ok: true, data: { AWS_ACCESS_KEY_ID: "abc", AWS_SECRET_ACCESS_KEY: "x=y" } });
  });

  it("names the first line that is not KEY=value", () => {
    expect(parseEnvLines("A=1\nnot a variable")).toEqual({
      ok: false,
      errors: { env: "Line 2: write it as KEY=value" },
    });
  });
});

describe("job params for display", () => {
  it("flattens nested options and joins lists", () => {
    expect(
      describeParams({ kind: "forget", policy: { keepDaily: 7 }, groupBy: [], tags: ["a", "b"] }),
    ).toEqual([
      ["policy.keepDaily", "7"],
      ["groupBy", "(none)"],
      ["tags", "a, b"],
    ]);
  });
});
