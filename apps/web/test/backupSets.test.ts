import { describe, expect, it } from "vitest";
import {
  BACKUP_SET_FIELDS,
  backupSetValues,
  describeSetOptions,
  toBackupSetOptions,
} from "../src/pages/backupSets/backupSetForm";
import { blockedReason } from "../src/pages/hosts/operations/repositoryAccess";

describe("backup set options", () => {
  it("offers only the allow-listed options", () => {
    const names = BACKUP_SET_FIELDS.map((field) => field.name);
    expect(names).toContain("paths");
    expect(names).toContain("useFsSnapshot");
    expect(names).not.toContain("dryRun");
    expect(names).not.toContain("host");
    expect(names).not.toContain("parent");
  });

  it("turns stored options into form values and back", () => {
    const options = {
      paths: ["/home", "/etc"],
      excludes: ["*.tmp"],
      oneFileSystem: true,
      limitUpload: 512,
      compression: "max" as const,
    };
    const values = backupSetValues(options);
    expect(values).toMatchObject({
      paths: "/home\n/etc",
      excludes: "*.tmp",
      oneFileSystem: "true",
      limitUpload: "512",
      compression: "max",
      tags: "",
    });
    expect(toBackupSetOptions(values)).toEqual({ ok: true, data: options });
  });

  it("needs a path", () => {
    expect(toBackupSetOptions(backupSetValues())).toEqual({
      ok: false,
      errors: { paths: "Required" },
    });
  });

  it("describes the options that are set in a few words", () => {
    expect(
      describeSetOptions({ paths: ["/"], excludes: ["a", "b"], useFsSnapshot: true, tags: ["x"] }),
    ).toEqual(["2 excludes", "VSS", "tags x"]);
  });
});

describe("where forget, prune and unlock may run", () => {
  const repository = {
    name: "office",
    status: "ready",
    maintenanceHostId: "nas",
    maintenanceHostName: "nas-01",
    maintenanceDisplayUrl: "rest:https://admin@backup.example.org/office",
  };

  it("only on the maintenance host; other kinds anywhere", () => {
    expect(blockedReason("forget", "nas", repository)).toBeUndefined();
    expect(blockedReason("prune", "laptop", repository)).toBe(
      "Prune runs only on nas-01: other hosts have append-only access.",
    );
    expect(blockedReason("backup", "laptop", repository)).toBeUndefined();
  });

  it("nowhere without a maintenance endpoint; nothing while the repository is set up", () => {
    const plain = { ...repository, maintenanceHostId: null, maintenanceDisplayUrl: null };
    expect(blockedReason("unlock", "nas", plain)).toContain(
      "give the repository a maintenance endpoint and host first",
    );
    expect(blockedReason("backup", "nas", { ...repository, status: "pending" })).toBe(
      "“office” is still being set up.",
    );
  });
});
