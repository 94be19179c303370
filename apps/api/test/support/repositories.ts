import type { Db } from "../../src/db.js";
import { displayUrl } from "../../src/repositories/access.js";
import type { Keyring } from "../../src/secrets/keyring.js";
import { sealSecret } from "../../src/secrets/seal.js";

/**
 * A ready repository written straight to the database, for tests about jobs rather than
 * about registering repositories (those go through repositories.create and an agent).
 */
export async function insertReadyRepository(
  deps: { db: Db; keyring: Keyring },
  input: {
    name: string;
    url: string;
    password: string;
    env?: Record<string, string>;
    maintenance?: { url: string; hostId: string };
  },
) {
  const id = `repo_test_${input.name.replaceAll(/\W/g, "")}`;
  const seal = (field: string, value: string) =>
    sealSecret(deps.keyring, value, `repository:${id}:${field}`);
  return deps.db.repository.create({
    data: {
      id,
      name: input.name,
      status: "ready",
      displayUrl: displayUrl(input.url),
      urlSealed: seal("url", input.url),
      passwordSealed: seal("password", input.password),
      envSealed: input.env ? seal("env", JSON.stringify(input.env)) : null,
      ...(input.maintenance
        ? {
            maintenanceDisplayUrl: displayUrl(input.maintenance.url),
            maintenanceUrlSealed: seal("maintenanceUrl", input.maintenance.url),
            maintenanceHostId: input.maintenance.hostId,
          }
        : {}),
    },
  });
}
