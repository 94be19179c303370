import { describe, expect, it } from "vitest";
import {
  buildResticEnvironment,
  REDACTED,
  type ResticContext,
  ResticError,
  secretValues,
  snapshots,
} from "../src/index.js";
import { scriptedRunner } from "./support/runners.js";

/** A password with @ : / % # and a space: @ and : as written, the rest percent-encoded. */
const PASSWORD = "Kestrel@Quartz:Violet/Umber%Saffron#Tundra Wombat";
const WRITTEN = "Kestrel@Quartz:Violet%2FUmber%25Saffron%23Tundra%20Wombat";
const URL = `rest:https://backup:${WRITTEN}@repo.example:8000/host1`;
const FRAGMENTS = ["Kestrel", "Quartz", "Violet", "Umber", "Saffron", "Tundra", "Wombat"];

describe("a URL password holding @, with a fake runner", () => {
  it("is a secret whole, as written and as restic decodes it", () => {
    const secrets = secretValues({ url: URL, password: "repository-password" });
    expect(secrets).toContain(WRITTEN);
    expect(secrets).toContain(PASSWORD);
    expect(secrets).not.toContain("Kestrel");
  });

  it("is a secret even when it is not valid percent-encoding", () => {
    expect(
      secretValues({ url: "rest:http://u:100%zz@h/r", password: "repository-password" }),
    ).toContain("100%zz");
  });

  it("reaches restic unchanged, for restic to decode", () => {
    const env = buildResticEnvironment({
      inherit: {},
      repository: { url: URL, password: "repository-password" },
    });
    expect(env.RESTIC_REPOSITORY).toBe(URL);
  });

  it("is redacted from restic's output in every form it may take", async () => {
    const { runner } = scriptedRunner({
      stderr: [
        `Fatal: unable to open rest:https://backup:${WRITTEN}@repo.example:8000/host1\n`,
        `debug: basic auth backup / ${PASSWORD}\n`,
        `debug: encoded ${encodeURIComponent(PASSWORD)}\n`,
      ],
      exitCode: 1,
    });
    const context: ResticContext = {
      repository: { url: URL, password: "repository-password" },
      runner,
      inheritEnv: {},
    };
    const error = await snapshots(context).catch((e: unknown) => e);
    if (!(error instanceof ResticError)) throw new Error(`expected a ResticError: ${error}`);
    const everything = `${error.message}\n${error.stderrTail}\n${JSON.stringify(error.toReport())}`;
    for (const fragment of FRAGMENTS) expect(everything).not.toContain(fragment);
    expect(error.stderrTail).toContain(`backup:${REDACTED}@repo.example`);
  });
});
