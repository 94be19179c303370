import { describe, expect, it } from "vitest";
import {
  EMPTY_REPOSITORY_FORM,
  editValues,
  toCreateInput,
  toUpdateInput,
} from "../src/pages/repositories/repositoryForm";

const FILLED = {
  ...EMPTY_REPOSITORY_FORM,
  name: " office ",
  url: "rest:https://backup.example.org/office",
  password: "secret",
  env: "RESTIC_PACK_SIZE=4",
  setupHostId: "host_1",
};

describe("repository form values to create input", () => {
  it("sends the set-up and leaves maintenance out unless it is ticked", () => {
    expect(toCreateInput(FILLED)).toEqual({
      ok: true,
      data: {
        name: "office",
        url: "rest:https://backup.example.org/office",
        password: "secret",
        env: { RESTIC_PACK_SIZE: "4" },
        setup: { mode: "init", hostId: "host_1" },
      },
    });
  });

  it("adds the maintenance endpoint, its variables and host", () => {
    const checked = toCreateInput({
      ...FILLED,
      mode: "adopt",
      maintenance: "on",
      maintenanceUrl: "rest:https://admin@backup.example.org/office",
      maintenanceEnv: "A=1",
      maintenanceHostId: "host_2",
    });
    expect(checked.ok && checked.data).toMatchObject({
      maintenance: {
        url: "rest:https://admin@backup.example.org/office",
        env: { A: "1" },
        hostId: "host_2",
      },
      setup: { mode: "adopt", hostId: "host_1" },
    });
  });

  it("puts each message on its field, maintenance fields included", () => {
    const checked = toCreateInput({
      ...EMPTY_REPOSITORY_FORM,
      url: "ftp://nowhere",
      maintenance: "on",
      maintenanceEnv: "not a variable",
    });
    expect(checked.ok ? {} : checked.errors).toEqual({
      name: "Name is required",
      url: expect.stringContaining("Unknown kind of repository"),
      password: "The repository password is required",
      setupHostId: "Choose the host that sets it up",
      maintenanceUrl: "The maintenance endpoint is required",
      maintenanceEnv: "Line 1: write it as KEY=value",
      maintenanceHostId: "Choose the maintenance host",
    });
  });

  it("names a bad variable name on the env field", () => {
    const checked = toCreateInput({ ...FILLED, env: "lower=1" });
    expect(checked.ok ? {} : checked.errors).toEqual({
      env: "lower: Variable names are upper case letters, digits and _",
    });
  });
});

describe("repository form values to update input", () => {
  const stored = { id: "repo_1", name: "office", maintenanceHostId: "host_2" };

  it("sends only what was typed: empty secrets keep their stored value", () => {
    expect(toUpdateInput(editValues(stored), stored)).toEqual({
      ok: true,
      data: { id: "repo_1" },
    });
    const renamed = toUpdateInput(
      { ...editValues(stored), name: "office-2", password: "new" },
      stored,
    );
    expect(renamed.ok && renamed.data).toEqual({ id: "repo_1", name: "office-2", password: "new" });
  });

  it("clears the variables, or removes maintenance, when asked", () => {
    const values = { ...editValues(stored), clearEnv: "on", maintenance: "" };
    expect(toUpdateInput(values, stored)).toEqual({
      ok: true,
      data: { id: "repo_1", env: {}, maintenance: null },
    });
  });

  it("needs the maintenance endpoint again to change its host", () => {
    const moved = toUpdateInput({ ...editValues(stored), maintenanceHostId: "host_3" }, stored);
    expect(moved.ok ? {} : moved.errors).toEqual({
      maintenanceUrl: "Enter the maintenance endpoint again to change its host or variables",
    });
    const given = toUpdateInput(
      { ...editValues(stored), maintenanceHostId: "host_3", maintenanceUrl: "rest:https://a@b/c" },
      stored,
    );
    expect(given.ok && given.data).toEqual({
      id: "repo_1",
      maintenance: { url: "rest:https://a@b/c", env: {}, hostId: "host_3" },
    });
  });
});
