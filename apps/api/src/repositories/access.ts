import { repositoryUrlCredentials, type TRepositoryAccess } from "@restic-manager/contracts";
import type { Db } from "../db.js";
import type { Endpoint } from "../jobs/routing.js";
import type { Logger } from "../logger.js";
import type { Keyring } from "../secrets/keyring.js";
import { openSecret, sealSecret } from "../secrets/seal.js";

/**
 * A repository's secrets: its strings, password and backend environments are sealed at rest,
 * bound to their field, and opened only to show a masked URL or to hand an agent the
 * credentials for one job.
 */

export type Field = "url" | "password" | "env" | "maintenanceUrl" | "maintenanceEnv";

export function seal(keyring: Keyring, id: string, field: Field, value: string): string {
  return sealSecret(keyring, value, `repository:${id}:${field}`);
}

export function open(keyring: Keyring, id: string, field: Field, sealed: string): string {
  return openSecret(keyring, sealed, `repository:${id}:${field}`);
}

export function sealEnv(keyring: Keyring, id: string, field: Field, env: Record<string, string>) {
  return Object.keys(env).length > 0 ? seal(keyring, id, field, JSON.stringify(env)) : null;
}

/**
 * The repository string as it may be shown: a password in a URL is masked. The userinfo ends
 * at the last `@` before the host, as restic reads it, so a password holding `@` is masked whole.
 */
export function displayUrl(url: string): string {
  const credentials = repositoryUrlCredentials(url);
  if (!credentials || credentials.password === null) return url;
  return `${credentials.before}${credentials.user}:***@${credentials.after}`;
}

/**
 * Recomputes every stored display URL from the sealed one, so rows written before a change
 * to the masking (a password holding `@` was once masked only in part) show no more than
 * the current rule allows. Runs at start-up; a row that cannot be opened is left alone.
 */
export async function refreshDisplayUrls(deps: { db: Db; keyring: Keyring; logger: Logger }) {
  const rows = await deps.db.repository.findMany({
    select: {
      id: true,
      urlSealed: true,
      displayUrl: true,
      maintenanceUrlSealed: true,
      maintenanceDisplayUrl: true,
    },
  });
  for (const row of rows) {
    try {
      const shown = displayUrl(open(deps.keyring, row.id, "url", row.urlSealed));
      const maintenanceShown = row.maintenanceUrlSealed
        ? displayUrl(open(deps.keyring, row.id, "maintenanceUrl", row.maintenanceUrlSealed))
        : null;
      if (shown === row.displayUrl && maintenanceShown === row.maintenanceDisplayUrl) continue;
      await deps.db.repository.update({
        where: { id: row.id },
        data: { displayUrl: shown, maintenanceDisplayUrl: maintenanceShown },
      });
    } catch (error) {
      deps.logger.warn({
        event: "repository.display_url_failed",
        repositoryId: row.id,
        err: error,
      });
    }
  }
}

/** The credentials an agent needs for one job, for one endpoint. Only dispatch calls this. */
export function repositoryAccess(
  keyring: Keyring,
  row: {
    id: string;
    urlSealed: string;
    passwordSealed: string;
    envSealed: string | null;
    maintenanceUrlSealed: string | null;
    maintenanceEnvSealed: string | null;
  },
  endpoint: Endpoint,
): TRepositoryAccess {
  const maintenance = endpoint === "maintenance" && row.maintenanceUrlSealed !== null;
  const envSealed = maintenance ? row.maintenanceEnvSealed : row.envSealed;
  return {
    url: maintenance
      ? open(keyring, row.id, "maintenanceUrl", row.maintenanceUrlSealed ?? "")
      : open(keyring, row.id, "url", row.urlSealed),
    password: open(keyring, row.id, "password", row.passwordSealed),
    env: envSealed
      ? (JSON.parse(
          open(keyring, row.id, maintenance ? "maintenanceEnv" : "env", envSealed),
        ) as Record<string, string>)
      : {},
  };
}
