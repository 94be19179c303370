import { type Credentials, mutation, query } from "./api";
import { expect } from "./fixtures";
import type { Fleet } from "./fleet";
import { JOB_TIMEOUT_MS } from "./ui";

/**
 * Through the API: a real agent, a repository it created on a rest-server (and maintains),
 * and a backup set "home" of a tree `fill` writes on it.
 */
export async function backupSetOnRealAgent(
  url: string,
  session: string,
  fleet: Fleet,
  fill: (dir: string) => Promise<void>,
) {
  const credentials: Credentials = { session };
  const enrollment = await mutation(url, "hosts.createEnrollment", {}, credentials);
  fleet.startAgent(await fleet.enrollAgent(url, enrollment.data?.token ?? ""));
  await expect
    .poll(
      async () => (await query(url, "hosts.list", undefined, credentials)).data?.items[0]?.online,
      {
        timeout: 20_000,
      },
    )
    .toBe(true);
  const host = (await query(url, "hosts.list", undefined, credentials)).data?.items[0];
  const hostId = host?.id ?? "";
  const repositoryUrl = `rest:${await fleet.startRestServer()}/office`;
  const created = await mutation(
    url,
    "repositories.create",
    {
      name: "office",
      url: repositoryUrl,
      password: "repository password 1",
      maintenance: { url: repositoryUrl, hostId },
      setup: { mode: "init", hostId },
    },
    credentials,
  );
  const repositoryId = created.data?.repository.id ?? "";
  await expect
    .poll(
      async () =>
        (await query(url, "repositories.get", { id: repositoryId }, credentials)).data?.status,
      { timeout: JOB_TIMEOUT_MS },
    )
    .toBe("ready");
  const tree = await fleet.tempDir("rm-e2e-tree-");
  await fill(tree);
  const set = await mutation(
    url,
    "backupSets.create",
    { name: "home", hostId, repositoryId, options: { paths: [tree] } },
    credentials,
  );
  return { hostId, hostName: host?.name ?? "", setId: set.data?.id ?? "", repositoryId, tree };
}

/** Runs a backup set now and waits for its job to succeed. */
export async function runBackup(url: string, session: string, setId: string) {
  const { data } = await mutation(url, "backupSets.run", { id: setId }, { session });
  await expect
    .poll(
      async () =>
        (await query(url, "jobs.get", { id: data?.jobId ?? "" }, { session })).data?.state,
      { timeout: JOB_TIMEOUT_MS },
    )
    .toBe("succeeded");
}
