import { repositoryUrlCredentials } from "@restic-manager/contracts";

/**
 * The child's environment is built from an allow-list: what restic and the OS need to run,
 * plus the repository's own variables. Nothing else of the agent's environment (its own
 * credentials, a RESTIC_PASSWORD_COMMAND someone left behind) reaches restic.
 */

/** Inherited from the agent when present. Compared case-insensitively (Windows spells `Path`). */
const INHERITED = new Set(
  [
    "PATH",
    "HOME",
    "USER",
    "USERNAME",
    "LOGNAME",
    "TMPDIR",
    "TMP",
    "TEMP",
    "LANG",
    "LANGUAGE",
    "LC_ALL",
    "LC_CTYPE",
    "LC_MESSAGES",
    "TZ",
    "XDG_CACHE_HOME",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    // Windows: Go's runtime, DNS resolver and restic's cache location need these.
    "SYSTEMROOT",
    "SYSTEMDRIVE",
    "WINDIR",
    "PATHEXT",
    "COMSPEC",
    "USERPROFILE",
    "APPDATA",
    "LOCALAPPDATA",
    "PROGRAMDATA",
  ].map((name) => name.toUpperCase()),
);

/**
 * Variables a repository may set for its backend. restic reads them itself; they must never
 * become arguments. Deliberately absent: RESTIC_PASSWORD_COMMAND / _FILE and
 * RESTIC_REPOSITORY_FILE (the wrapper sets repository and password itself).
 */
const BACKEND_VARIABLE =
  /^(AWS_[A-Z0-9_]+|B2_[A-Z0-9_]+|AZURE_[A-Z0-9_]+|GOOGLE_[A-Z0-9_]+|OS_[A-Z0-9_]+|ST_(AUTH|USER|KEY)|RCLONE_BWLIMIT|RESTIC_REST_(USERNAME|PASSWORD)|RESTIC_(CACERT|TLS_CLIENT_CERT|COMPRESSION|PACK_SIZE|READ_CONCURRENCY|KEY_HINT|HOST))$/;

/** Backend variables whose values are secrets and are redacted from anything captured. */
const SECRET_VARIABLE = /(KEY|SECRET|PASSWORD|TOKEN|SAS|CREDENTIAL|ACCOUNT_ID|USERNAME|^ST_USER$)/;

export interface ResticRepository {
  /** The repository string restic takes: `rest:https://host/name`, `s3:…`, `/local/path`, … */
  url: string;
  password: string;
  /** Backend credentials and settings, e.g. `AWS_ACCESS_KEY_ID`, `RESTIC_REST_PASSWORD`. */
  env?: Readonly<Record<string, string>>;
}

export class ResticEnvironmentError extends Error {}

export interface BuildEnvironmentInput {
  inherit: Readonly<Record<string, string | undefined>>;
  repository?: ResticRepository;
  /** Set by the wrapper itself (e.g. RESTIC_PROGRESS_FPS). */
  extra?: Readonly<Record<string, string>>;
}

export function buildResticEnvironment(input: BuildEnvironmentInput): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.inherit)) {
    if (value !== undefined && INHERITED.has(name.toUpperCase())) env[name] = value;
  }
  Object.assign(env, input.extra);
  const repository = input.repository;
  if (repository) {
    for (const [name, value] of Object.entries(repository.env ?? {})) {
      if (!BACKEND_VARIABLE.test(name)) {
        throw new ResticEnvironmentError(
          `Environment variable ${name} is not a restic backend setting and is not passed to restic`,
        );
      }
      env[name] = value;
    }
    env.RESTIC_REPOSITORY = repository.url;
    env.RESTIC_PASSWORD = repository.password;
  }
  return env;
}

/** The values that must never appear in anything this package hands back. */
export function secretValues(repository: ResticRepository | undefined): string[] {
  if (!repository) return [];
  const secrets = [repository.password];
  for (const [name, value] of Object.entries(repository.env ?? {})) {
    if (SECRET_VARIABLE.test(name)) secrets.push(value);
  }
  secrets.push(...passwordInUrl(repository.url));
  return secrets.filter((secret) => secret.length > 0);
}

/**
 * `rest:https://user:secret@host/` carries a password in the URL itself: as written and as
 * restic decodes it, since either may turn up in what restic prints.
 */
function passwordInUrl(url: string): string[] {
  const password = repositoryUrlCredentials(url)?.password;
  if (!password) return [];
  try {
    return [password, decodeURIComponent(password)];
  } catch {
    return [password];
  }
}
