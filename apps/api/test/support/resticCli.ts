import { execFile } from "node:child_process";
import { tmpdir } from "node:os";
import { promisify } from "node:util";
import { toolOrPath } from "@restic-manager/test-support";

/**
 * restic itself, outside restic-manager, reading a repository without locking it: what a test
 * checks the product's claims against (restic's own snapshot and lock lists).
 */
async function restic(repository: string, password: string, args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(
    toolOrPath("restic"),
    ["--no-cache", "--no-lock", ...args],
    {
      env: {
        PATH: process.env.PATH ?? "",
        HOME: tmpdir(),
        RESTIC_REPOSITORY: repository,
        RESTIC_PASSWORD: password,
      },
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  return stdout;
}

/** The snapshots in restic's own list whose paths are exactly `paths`. */
export async function snapshotsOfPaths(repository: string, password: string, paths: string[]) {
  const all = JSON.parse(await restic(repository, password, ["snapshots", "--json"])) as Array<{
    id: string;
    paths: string[];
  }>;
  return all.filter((s) => JSON.stringify(s.paths) === JSON.stringify(paths));
}

/** The ids of the locks in the repository, as restic lists them. */
export async function lockIds(repository: string, password: string): Promise<string[]> {
  return (await restic(repository, password, ["list", "locks"])).split("\n").filter(Boolean);
}
