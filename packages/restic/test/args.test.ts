import { ZJobParams } from "@restic-manager/contracts";
import { describe, expect, it } from "vitest";
import {
  backupArgs,
  checkArgs,
  diffArgs,
  dumpArgs,
  forgetArgs,
  lsArgs,
  pruneArgs,
  restoreArgs,
  snapshotsArgs,
  statsArgs,
  unlockArgs,
} from "../src/index.js";

describe("arguments", () => {
  it("backup of Windows paths with VSS: paths passed through untouched after --", () => {
    expect(
      backupArgs({
        paths: ["C:\\Users\\x", "D:\\Shared Data\\Projects", "\\\\fileserver\\share\\docs"],
        useFsSnapshot: true,
        excludes: ["C:\\Users\\x\\AppData\\Local\\Temp", "*.tmp"],
        iexcludes: ["C:\\Users\\x\\NTUSER.DAT*"],
        tags: ["windows", "daily"],
        host: "WS-042",
      }),
    ).toEqual([
      "backup",
      "--json",
      "--exclude=C:\\Users\\x\\AppData\\Local\\Temp",
      "--exclude=*.tmp",
      "--iexclude=C:\\Users\\x\\NTUSER.DAT*",
      "--tag=windows",
      "--tag=daily",
      "--host=WS-042",
      "--use-fs-snapshot",
      "--",
      "C:\\Users\\x",
      "D:\\Shared Data\\Projects",
      "\\\\fileserver\\share\\docs",
    ]);
  });

  it("backup: every option, values that look like flags stay values", () => {
    expect(
      backupArgs({
        paths: ["-rf", "/srv/data"],
        excludes: ["--password=x"],
        excludeFiles: ["/etc/restic/excludes"],
        excludeCaches: true,
        excludeIfPresent: [".nobackup"],
        excludeLargerThan: "1G",
        oneFileSystem: true,
        parent: "0123abcd",
        dryRun: true,
        skipIfUnchanged: true,
        limitUpload: 100,
        compression: "max",
      }),
    ).toEqual([
      "backup",
      "--json",
      "--exclude=--password=x",
      "--exclude-file=/etc/restic/excludes",
      "--exclude-caches",
      "--exclude-if-present=.nobackup",
      "--exclude-larger-than=1G",
      "--one-file-system",
      "--parent=0123abcd",
      "--dry-run",
      "--skip-if-unchanged",
      "--limit-upload=100",
      "--compression=max",
      "--",
      "-rf",
      "/srv/data",
    ]);
  });

  it("restore into a Windows target with includes", () => {
    expect(
      restoreArgs({
        snapshotId: "latest",
        target: "C:\\Restore\\2026-01-01",
        includes: ["/C/Users/x/Documents"],
        overwrite: "if-newer",
        verify: true,
      }),
    ).toEqual([
      "restore",
      "--json",
      "--target=C:\\Restore\\2026-01-01",
      "--include=/C/Users/x/Documents",
      "--overwrite=if-newer",
      "--verify",
      "--",
      "latest",
    ]);
  });

  it("restore refuses includes and excludes together, as restic does", () => {
    expect(() =>
      restoreArgs({ snapshotId: "latest", target: "/t", includes: ["/a"], excludes: ["/b"] }),
    ).toThrow(/either include or exclude/);
  });

  it("forget: every retention flag, grouping, filters, dry run and prune", () => {
    expect(
      forgetArgs({
        policy: {
          keepLast: 3,
          keepHourly: 24,
          keepDaily: 7,
          keepWeekly: 4,
          keepMonthly: 12,
          keepYearly: "unlimited",
          keepWithin: "1y6m",
          keepTags: ["keep,important"],
        },
        groupBy: ["host", "paths"],
        hosts: ["WS-042"],
        tags: ["daily"],
        paths: ["C:\\Users\\x"],
        dryRun: true,
        prune: true,
      }),
    ).toEqual([
      "forget",
      "--json",
      "--keep-last=3",
      "--keep-hourly=24",
      "--keep-daily=7",
      "--keep-weekly=4",
      "--keep-monthly=12",
      "--keep-yearly=unlimited",
      "--keep-within=1y6m",
      "--keep-tag=keep,important",
      "--group-by=host,paths",
      "--host=WS-042",
      "--tag=daily",
      "--path=C:\\Users\\x",
      "--dry-run",
      "--prune",
      "--",
    ]);
    expect(forgetArgs({ snapshotIds: ["abcd1234"], groupBy: [] })).toEqual([
      "forget",
      "--json",
      "--group-by=",
      "--",
      "abcd1234",
    ]);
  });

  it("forget needs a rule or snapshots", () => {
    expect(() => forgetArgs({ policy: {} })).toThrow(/retention rule/);
    expect(() => forgetArgs({ policy: { keepWithin: "7 days" } })).toThrow();
    expect(() => forgetArgs({ policy: { keepLast: 0 } })).toThrow();
  });

  it("check, prune, unlock, snapshots, stats, ls, diff, dump", () => {
    expect(checkArgs({ readDataSubset: "1/7" })).toEqual([
      "check",
      "--json",
      "--read-data-subset=1/7",
    ]);
    expect(checkArgs({ readData: true, withCache: true })).toEqual([
      "check",
      "--json",
      "--read-data",
      "--with-cache",
    ]);
    expect(() => checkArgs({ readDataSubset: "half" })).toThrow();
    expect(pruneArgs({ maxUnused: "5%", dryRun: true })).toEqual([
      "prune",
      "--json",
      "--dry-run",
      "--max-unused=5%",
    ]);
    expect(unlockArgs({ removeAll: true })).toEqual(["unlock", "--json", "--remove-all"]);
    expect(snapshotsArgs({ hosts: ["h"], latest: 2 })).toEqual([
      "snapshots",
      "--json",
      "--host=h",
      "--latest=2",
      "--",
    ]);
    expect(statsArgs({ mode: "raw-data" })).toEqual(["stats", "--json", "--mode=raw-data", "--"]);
    expect(statsArgs()).toEqual(["stats", "--json", "--mode=restore-size", "--"]);
    expect(lsArgs({ snapshotId: "latest", paths: ["/C/Users"], recursive: true })).toEqual([
      "ls",
      "--json",
      "--recursive",
      "--",
      "latest",
      "/C/Users",
    ]);
    expect(diffArgs({ from: "aaaa1111", to: "bbbb2222", metadata: true })).toEqual([
      "diff",
      "--json",
      "--metadata",
      "--",
      "aaaa1111",
      "bbbb2222",
    ]);
    expect(dumpArgs({ snapshotId: "latest", path: "/C/Users/x", archive: "zip" })).toEqual([
      "dump",
      "--json",
      "--archive=zip",
      "--",
      "latest",
      "/C/Users/x",
    ]);
  });

  it("rejects values that are not what they claim to be", () => {
    expect(() => lsArgs({ snapshotId: "latest; rm -rf /" })).toThrow();
    expect(() => backupArgs({ paths: [] })).toThrow();
    expect(() => backupArgs({ paths: ["/a\0b"] })).toThrow();
    expect(() => backupArgs({ paths: ["/a"], tags: ["a,b"] })).toThrow();
  });

  it("job params are a discriminated union on kind", () => {
    expect(ZJobParams.parse({ kind: "stats" })).toEqual({ kind: "stats", mode: "restore-size" });
    expect(
      ZJobParams.safeParse({ kind: "backup", paths: ["C:\\Users\\x"], useFsSnapshot: true })
        .success,
    ).toBe(true);
    expect(ZJobParams.safeParse({ kind: "format-disk" }).success).toBe(false);
    expect(ZJobParams.safeParse({ kind: "forget", policy: {} }).success).toBe(false);
  });
});
