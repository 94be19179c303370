import { describe, expect, it } from "vitest";
import {
  EMPTY_REPOSITORY_FORM,
  toCreateInput,
  toUpdateInput,
} from "../src/pages/repositories/repositoryForm";

const FILLED = {
  ...EMPTY_REPOSITORY_FORM,
  name: "office",
  password: "secret",
  setupHostId: "host_1",
};

const errorsOf = (checked: ReturnType<typeof toCreateInput>) => (checked.ok ? {} : checked.errors);

describe("the repository form checks where a repository string points", () => {
  it("says how to write a URL password that needs percent-encoding, without repeating it", () => {
    const errors = errorsOf(
      toCreateInput({ ...FILLED, url: "rest:https://backup:two words/and#more@nas.lan/office" }),
    );
    expect(errors.url).toMatch(
      /^Percent-encode the user name and password in the URL, e\.g\. % as %25/,
    );
    expect(errors.url).not.toContain("words");
  });

  it("takes the same password percent-encoded, @ and : as they are", () => {
    const url = "rest:https://backup:p@ss:two%20words%2Fand%23more@nas.lan/office";
    expect(toCreateInput({ ...FILLED, url })).toMatchObject({ ok: true, data: { url } });
  });

  it("refuses a host beginning with - on the endpoint and the maintenance endpoint", () => {
    const errors = errorsOf(
      toCreateInput({
        ...FILLED,
        url: "sftp:-oProxyCommand=x:/repo",
        maintenance: "on",
        maintenanceUrl: "sftp://-oProxyCommand=x/repo",
        maintenanceHostId: "host_2",
      }),
    );
    expect(errors.url).toMatch(/^The host may not begin with -/);
    expect(errors.maintenanceUrl).toMatch(/^The host may not begin with -/);
  });

  it("refuses it in an edit too", () => {
    const checked = toUpdateInput(
      { ...EMPTY_REPOSITORY_FORM, name: "office", url: "sftp://-oProxyCommand=x/repo" },
      { id: "repo_1", name: "office", maintenanceHostId: null },
    );
    expect(checked.ok ? {} : checked.errors).toEqual({
      url: expect.stringMatching(/^The host may not begin with -/),
    });
  });
});
