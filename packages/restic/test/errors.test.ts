import { describe, expect, it } from "vitest";
import {
  backup,
  buildResticEnvironment,
  createRedactor,
  REDACTED,
  type ResticContext,
  ResticEnvironmentError,
  ResticError,
  secretValues,
  snapshots,
} from "../src/index.js";
import { scriptedRunner } from "./support/runners.js";

const password = "s3cret-Repo-Pass";
const awsSecret = "AKIA-SECRET-KEY-VALUE";
const repository = {
  url: "rest:https://backup:url-pass@repo.example:8000/host1",
  password,
  env: { AWS_SECRET_ACCESS_KEY: awsSecret, AWS_DEFAULT_REGION: "eu-west-1" },
};

function context(runner: ResticContext["runner"]): ResticContext {
  return { repository, runner, inheritEnv: {} };
}

async function failure(script: Parameters<typeof scriptedRunner>[0]) {
  const { runner } = scriptedRunner(script);
  const error = await snapshots(context(runner)).catch((e: unknown) => e);
  if (!(error instanceof ResticError))
    throw new Error(`expected a ResticError, got ${String(error)}`);
  return error;
}

const exitError = (code: number, message: string) =>
  `${JSON.stringify({ message_type: "exit_error", code, message })}\n`;

describe("exit codes with a fake runner", () => {
  it.each([
    [1, "fatal", "ResticFatalError"],
    [2, "unknown_exit", "ResticUnknownExitError"],
    [3, "unknown_exit", "ResticUnknownExitError"],
    [10, "no_repository", "ResticRepositoryNotFoundError"],
    [11, "locked", "ResticRepositoryLockedError"],
    [12, "wrong_password", "ResticWrongPasswordError"],
    [130, "interrupted", "ResticInterruptedError"],
  ])("exit code %i is %s", async (exitCode, code, name) => {
    const error = await failure({ stderr: exitError(exitCode, "Fatal: something"), exitCode });
    expect(error).toMatchObject({ code, name, exitCode, command: "snapshots" });
    expect(error.message).toBe(`restic snapshots failed (exit code ${exitCode}): Fatal: something`);
    expect(error.toReport()).toEqual({
      code,
      message: error.message,
      exitCode,
      stderrTail: "Fatal: something",
    });
  });

  it("a process killed by a signal is a failure naming the signal", async () => {
    const killed = await failure({ exitCode: null, signal: "SIGKILL", stderr: "" });
    expect(killed).toMatchObject({ code: "fatal", exitCode: null });
    expect(killed.message).toContain("killed by SIGKILL");
    const interrupted = await failure({ exitCode: null, signal: "SIGINT" });
    expect(interrupted.code).toBe("interrupted");
  });

  it.each([
    ["Fatal: wrong password or no key found", "wrong_password"],
    [
      "Fatal: unable to open config file: Stat: stat /r/config: no such file or directory\nIs there a repository at the following location?",
      "fatal",
    ],
    ["Fatal: repository does not exist: unable to open config file", "no_repository"],
    [
      "unable to create lock in backend: repository is already locked by PID 42 on host by user",
      "locked",
    ],
  ])("restic < 0.17 exits 1 for %j: recognised as %s", async (text, code) => {
    const error = await failure({ stderr: `${text}\n`, exitCode: 1 });
    expect(error.code).toBe(code);
    expect(error.exitCode).toBe(1);
  });

  it("exit code 3 from backup is a partial result, not a failure", async () => {
    const { runner } = scriptedRunner({
      stdout: `${JSON.stringify({
        message_type: "summary",
        files_new: 1,
        files_changed: 0,
        files_unmodified: 0,
        dirs_new: 1,
        dirs_changed: 0,
        dirs_unmodified: 0,
        data_blobs: 1,
        tree_blobs: 1,
        data_added: 10,
        total_files_processed: 1,
        total_bytes_processed: 10,
        snapshot_id: "d".repeat(64),
      })}\n`,
      stderr: [
        `${JSON.stringify({ message_type: "error", error: { message: "open C:\\Users\\x\\locked.pst: The process cannot access the file" }, during: "archival", item: "C:\\Users\\x\\locked.pst" })}\n`,
        exitError(3, "Warning: at least one source file could not be read"),
      ],
      exitCode: 3,
    });
    const result = await backup(context(runner), { paths: ["C:\\Users\\x"] });
    expect(result).toMatchObject({
      kind: "backup",
      status: "partial",
      snapshotId: "d".repeat(64),
      itemErrorCount: 1,
      itemErrors: [{ item: "C:\\Users\\x\\locked.pst", during: "archival" }],
    });
  });

  it("exit code 3 without a summary is still an error", async () => {
    const { runner } = scriptedRunner({ stderr: exitError(3, "Warning"), exitCode: 3 });
    const error = await backup(context(runner), { paths: ["/d"] }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "invalid_output", exitCode: 3 });
  });
});

describe("secrets never leave with a fake runner", () => {
  it("redacts password, backend secrets and the URL password from message and stderr tail", async () => {
    const error = await failure({
      stderr: [
        `debug: using password ${password} and key ${awsSecret}\n`,
        `connecting to https://backup:url-pass@repo.example:8000/host1\n`,
        exitError(1, `Fatal: ${password} rejected`),
      ],
      exitCode: 1,
    });
    const everything = `${error.message}\n${error.stderrTail}\n${JSON.stringify(error.toReport())}`;
    expect(everything).not.toContain(password);
    expect(everything).not.toContain(awsSecret);
    expect(everything).not.toContain("url-pass");
    expect(error.message).toBe(
      `restic snapshots failed (exit code 1): Fatal: ${REDACTED} rejected`,
    );
    expect(error.stderrTail).toContain(`using password ${REDACTED} and key ${REDACTED}`);
    // a region is configuration, not a secret
    expect(secretValues(repository)).not.toContain("eu-west-1");
  });

  it("redacts secrets from non-JSON stdout kept for an error", async () => {
    const { runner } = scriptedRunner({ stdout: `oops ${password}\n`, exitCode: 0 });
    const error = await backup(context(runner), { paths: ["/d"] }).catch((e: unknown) => e);
    expect((error as Error).message).toContain(`oops ${REDACTED}`);
    expect((error as Error).message).not.toContain(password);
  });

  it("keeps only the tail of a long stderr", async () => {
    const lines = Array.from({ length: 2000 }, (_, i) => `warning line ${i}\n`);
    const error = await failure({ stderr: lines, exitCode: 1 });
    expect(error.stderrTail.length).toBeLessThanOrEqual(8 * 1024 + 100);
    expect(error.stderrTail).toContain("earlier lines omitted");
    expect(error.stderrTail).toContain("warning line 1999");
    expect(error.message).toContain("warning line 1999");
  });

  it("redactor removes the longest secret first and URL-encoded forms", () => {
    const redact = createRedactor(["abc", "abcdef", "p@ss word"]);
    expect(redact("x abcdef y abc z")).toBe(`x ${REDACTED} y ${REDACTED} z`);
    expect(redact("url p%40ss%20word")).toBe(`url ${REDACTED}`);
  });
});

describe("child environment", () => {
  const inherit = {
    PATH: "/usr/bin",
    Path: "C:\\Windows\\system32",
    HOME: "/home/agent",
    SystemRoot: "C:\\Windows",
    LOCALAPPDATA: "C:\\Users\\agent\\AppData\\Local",
    RM_AGENT_CREDENTIAL: "agent-secret",
    RESTIC_PASSWORD: "someone-elses-password",
    RESTIC_PASSWORD_COMMAND: "cat /etc/shadow",
    AWS_SECRET_ACCESS_KEY: "agent-own-aws-secret",
    LD_PRELOAD: "/tmp/evil.so",
  };

  it("passes only the allow-list and the repository's own variables", () => {
    const env = buildResticEnvironment({
      inherit,
      repository: {
        url: "s3:s3.example/bucket",
        password: "repo-pass",
        env: { AWS_ACCESS_KEY_ID: "id" },
      },
    });
    expect(env).toEqual({
      PATH: "/usr/bin",
      Path: "C:\\Windows\\system32",
      HOME: "/home/agent",
      SystemRoot: "C:\\Windows",
      LOCALAPPDATA: "C:\\Users\\agent\\AppData\\Local",
      AWS_ACCESS_KEY_ID: "id",
      RESTIC_REPOSITORY: "s3:s3.example/bucket",
      RESTIC_PASSWORD: "repo-pass",
    });
  });

  it("refuses repository variables that are not backend settings", () => {
    for (const name of ["RESTIC_PASSWORD_COMMAND", "RESTIC_PASSWORD_FILE", "LD_PRELOAD", "PATH"]) {
      expect(() =>
        buildResticEnvironment({
          inherit: {},
          repository: { url: "/r", password: "p", env: { [name]: "x" } },
        }),
      ).toThrow(ResticEnvironmentError);
    }
    expect(
      buildResticEnvironment({
        inherit: {},
        repository: {
          url: "rest:https://h/r",
          password: "p",
          env: { RESTIC_REST_USERNAME: "u", RESTIC_REST_PASSWORD: "pw" },
        },
      }),
    ).toMatchObject({ RESTIC_REST_USERNAME: "u", RESTIC_REST_PASSWORD: "pw" });
  });

  it("a version check gets no repository variables at all", () => {
    expect(buildResticEnvironment({ inherit })).not.toHaveProperty("RESTIC_PASSWORD");
  });
});
