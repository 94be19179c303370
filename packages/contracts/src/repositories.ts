import { z } from "zod";
import { ZId } from "./ids.js";
import { retentionHasRules, ZBackupOptions, ZRetentionPolicy } from "./jobs.js";

/** The repository kinds restic knows, by the prefix of the repository string. */
export const REPOSITORY_KINDS = [
  "rest",
  "sftp",
  "s3",
  "b2",
  "azure",
  "gs",
  "swift",
  "rclone",
  "local",
] as const;
export type TRepositoryKind = (typeof REPOSITORY_KINDS)[number];

/** `rest:https://…` → rest; `/srv/restic`, `C:\backups`, `\\server\share` → local. */
export function repositoryKind(url: string): TRepositoryKind | undefined {
  const trimmed = url.trim();
  if (/^(\/|[A-Za-z]:[\\/]|\\\\)/.test(trimmed)) return "local";
  const prefix = /^([a-z0-9]+):/.exec(trimmed)?.[1];
  return REPOSITORY_KINDS.find((kind) => kind !== "local" && kind === prefix);
}

// ── Where a repository string points ───────────────────────────────────────────────

/**
 * The credentials in a repository URL, split as Go's url.Parse (and so restic) splits them:
 * the authority ends at the first `/`, `?` or `#` after `//`, the userinfo at the LAST `@` in
 * it, the user name at the first `:`. Values are as written, percent-encoding included.
 */
export interface RepositoryUrlCredentials {
  /** Everything up to and including `//`. */
  before: string;
  user: string;
  password: string | null;
  /** From the host on. */
  after: string;
}

export function repositoryUrlCredentials(url: string): RepositoryUrlCredentials | undefined {
  if (repositoryKind(url) === "local") return undefined;
  const slashes = url.indexOf("://");
  if (slashes < 0) return undefined;
  const start = slashes + 3;
  const authority = url.slice(start, authorityEnd(url, start));
  const at = authority.lastIndexOf("@");
  if (at < 0) return undefined;
  const userinfo = authority.slice(0, at);
  const colon = userinfo.indexOf(":");
  return {
    before: url.slice(0, start),
    user: colon < 0 ? userinfo : userinfo.slice(0, colon),
    password: colon < 0 ? null : userinfo.slice(colon + 1),
    after: url.slice(start + at + 1),
  };
}

function authorityEnd(url: string, start: number): number {
  const end = url.slice(start).search(/[/?#]/);
  return end < 0 ? url.length : start + end;
}

const UNKNOWN_KIND =
  "Unknown kind of repository: use rest:, sftp:, s3:, b2:, azure:, gs:, swift:, rclone: or an absolute local path";
const ENCODE_CREDENTIALS =
  "Percent-encode the user name and password in the URL, e.g. % as %25, / as %2F, ? as %3F, # as %23, a space as %20 (encodeURIComponent does it; in the password, @ and : may stay as they are). Or leave them out of the URL and set RESTIC_REST_USERNAME and RESTIC_REST_PASSWORD as variables.";
const LEADING_DASH =
  "The host may not begin with - (a program that connects to it would take it for an option)";
const NOT_A_HOST =
  "The host must be a host name or an IP address; an IPv6 address goes in brackets in a URL, e.g. [2001:db8::1]";
const NOT_A_PORT = "The port must be a number from 1 to 65535";
const NO_CONTROL =
  "The repository string may not contain line breaks, tabs or other control characters";

/**
 * Why restic could not be pointed at `url` safely, or undefined when it can. Every name that
 * reaches a program (the sftp host is ssh's first argument, the rclone remote rclone's) must
 * not begin with `-`, and hosts must be host names or IP addresses, so nothing in a repository
 * string becomes an option. Messages never repeat the string: it may hold a password.
 */
export function repositoryUrlProblem(rawUrl: string): string | undefined {
  const url = rawUrl.trim();
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
  if (/[\u0000-\u001f\u007f]/.test(url)) return NO_CONTROL;
  const kind = repositoryKind(url);
  switch (kind) {
    case undefined:
      return UNKNOWN_KIND;
    case "local":
      return undefined;
    case "rest":
      return restProblem(url.slice("rest:".length));
    case "sftp":
      return url.startsWith("sftp://")
        ? urlProblem(url, { sftp: true })
        : sftpShortProblem(url.slice("sftp:".length));
    case "s3":
      return s3Problem(url.slice("s3:".length));
    case "rclone":
      return rcloneProblem(url.slice("rclone:".length));
    case "b2":
    case "azure":
    case "gs":
    case "swift":
      // No host: a bucket or container, which must not look like an option.
      return url.slice(kind.length + 1).startsWith("-")
        ? "The bucket or container name may not begin with -"
        : undefined;
    default: {
      const exhaustive: never = kind;
      return exhaustive;
    }
  }
}

/**
 * `rclone:remote:path` with a remote configured in rclone.conf on the endpoint. On-the-fly
 * remotes (`:sftp,ssh=…:path`) and connection-string options (`remote,opt=…:`) are refused:
 * an option such as sftp's `ssh` would run a command on the endpoint.
 */
function rcloneProblem(target: string): string | undefined {
  const colon = target.indexOf(":");
  const remote = colon === -1 ? "" : target.slice(0, colon);
  if (remote.startsWith("-")) return "The remote name may not begin with -";
  if (!/^[\w.+@][\w.+@ -]*$/.test(remote)) {
    return "Write an rclone repository as rclone:remote:path, with a remote configured in rclone.conf on the host (no on-the-fly remotes or options)";
  }
  return undefined;
}

/** `rest:https://[user:password@]host[:port]/path`, or `rest:http+unix:///socket:/path`. */
function restProblem(rest: string): string | undefined {
  if (/^http\+unix:\/\/\//i.test(rest)) return undefined;
  if (!/^https?:\/\//i.test(rest)) {
    return "Write a rest-server repository as rest:https://host[:port]/path (or rest:http://…)";
  }
  return urlProblem(rest, { sftp: false });
}

/** `s3:https://host[:port]/bucket`, `s3://host/bucket` or `s3:host/bucket` (restic's forms). */
function s3Problem(rest: string): string | undefined {
  if (rest.startsWith("http")) {
    return /^https?:\/\//.test(rest)
      ? urlProblem(rest, { sftp: false })
      : "Write an S3 repository as s3:https://host[:port]/bucket or s3:host/bucket";
  }
  const location = rest.startsWith("//") ? rest.slice(2) : rest;
  const slash = location.indexOf("/");
  return hostPortProblem(slash < 0 ? location : location.slice(0, slash));
}

/** `sftp:[user@]host:path`, split as restic splits it: a user may hold one `@`. */
function sftpShortProblem(rest: string): string | undefined {
  const colon = rest.indexOf(":");
  if (colon < 0) {
    return "Write an sftp repository as sftp:user@host:/path or sftp://user@host[:port]/path";
  }
  const parts = rest.slice(0, colon).split("@");
  const userParts = Math.min(parts.length - 1, 2);
  const user = parts.slice(0, userParts).join("@");
  const host = parts.slice(userParts).join("@");
  if (user.startsWith("-")) return "The user name may not begin with -";
  if (host.startsWith("[")) {
    return "An IPv6 address needs the URL form: sftp://user@[2001:db8::1]/path";
  }
  return hostNameProblem(host);
}

/** `scheme://[userinfo@]host[:port]/…`: the authority as Go's url.Parse reads it. */
function urlProblem(url: string, { sftp }: { sftp: boolean }): string | undefined {
  const start = url.indexOf("://") + 3;
  const end = authorityEnd(url, start);
  const authority = url.slice(start, end);
  const at = authority.lastIndexOf("@");
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    if (!/^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})*$/.test(userinfo)) {
      return ENCODE_CREDENTIALS;
    }
    if (sftp && userinfo.startsWith("-")) return "The user name may not begin with -";
  }
  const problem = hostPortProblem(authority.slice(at + 1));
  // A password holding `/`, `?` or `#` ends the authority early: the host is then part of it.
  if (problem && at < 0 && url.slice(end).includes("@")) return ENCODE_CREDENTIALS;
  return problem;
}

/** `host`, `host:port`, `[ipv6]` or `[ipv6]:port`. */
function hostPortProblem(hostPort: string): string | undefined {
  const { host, port } = splitHostPort(hostPort);
  const problem = hostNameProblem(host, { brackets: true });
  if (problem || port === undefined) return problem;
  return /^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535
    ? undefined
    : NOT_A_PORT;
}

function splitHostPort(text: string): { host: string; port?: string } {
  const bracketed = /^(\[[^\]]*\])(?::(.*))?$/.exec(text);
  if (bracketed) return { host: bracketed[1] ?? "", port: bracketed[2] };
  const colon = text.lastIndexOf(":");
  if (colon < 0 || text.startsWith("[")) return { host: text };
  return { host: text.slice(0, colon), port: text.slice(colon + 1) };
}

function hostNameProblem(host: string, { brackets = false } = {}): string | undefined {
  if (host === "") return "The host is missing";
  if (host.startsWith("-")) return LEADING_DASH;
  if (brackets && host.startsWith("[") && host.endsWith("]")) {
    return isIPv6(host.slice(1, -1)) ? undefined : NOT_A_HOST;
  }
  return isHostName(host) ? undefined : NOT_A_HOST;
}

/** Letters, digits, `_` and inner `-` per label; all-digit names must be IPv4 addresses. */
function isHostName(host: string): boolean {
  const name = host.endsWith(".") ? host.slice(0, -1) : host;
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split(".");
  if (!labels.every((label) => /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/.test(label))) {
    return false;
  }
  return !labels.every((label) => /^\d+$/.test(label)) || isIPv4(name);
}

function isIPv4(text: string): boolean {
  const parts = text.split(".");
  return parts.length === 4 && parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255);
}

/** An IPv6 address as written between brackets, with an optional `%25zone`. */
function isIPv6(text: string): boolean {
  const address = text.replace(/%25[A-Za-z0-9._~-]+$/, "");
  const halves = address.split("::");
  if (halves.length > 2) return false;
  const groups = halves.map((half) => (half === "" ? [] : half.split(":")));
  const all = groups.flat();
  let count = all.length;
  const last = all.at(-1);
  if (last?.includes(".") && address.endsWith(last)) {
    if (!isIPv4(last)) return false;
    all.pop();
    count += 1;
  }
  if (!all.every((group) => /^[0-9A-Fa-f]{1,4}$/.test(group))) return false;
  return halves.length === 2 ? count <= 7 : count === 8;
}

export const ZRepositoryUrl = z
  .string()
  .trim()
  .min(1, "The repository is required")
  .max(2000)
  .superRefine((url, ctx) => {
    const problem = repositoryUrlProblem(url);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

export const ZRepositoryEnv = z.record(
  z.string().regex(/^[A-Z][A-Z0-9_]*$/, "Variable names are upper case letters, digits and _"),
  z.string().max(4000),
);

export const ZRepositoryName = z.string().trim().min(1, "Name is required").max(100);

/** Full rights for the one host that may forget, prune and unlock. */
export const ZMaintenanceInput = z.object({
  url: ZRepositoryUrl,
  env: ZRepositoryEnv.default({}),
  hostId: z.string().min(1, "Choose the maintenance host"),
});

/** A repository is pending until its set-up job succeeds, then ready. */
export const REPOSITORY_STATUSES = ["pending", "ready"] as const;
export type TRepositoryStatus = (typeof REPOSITORY_STATUSES)[number];

export const ZRepositoryCreateInput = z.object({
  name: ZRepositoryName,
  url: ZRepositoryUrl,
  password: z.string().min(1, "The repository password is required").max(1000),
  env: ZRepositoryEnv.default({}),
  maintenance: ZMaintenanceInput.optional(),
  /** init: create the repository; adopt: check the password and read its id. */
  setup: z.object({
    mode: z.enum(["init", "adopt"]),
    hostId: z.string().min(1, "Choose the host that sets it up"),
  }),
});
export type TRepositoryCreateInput = z.input<typeof ZRepositoryCreateInput>;
/** What the server works with once the input is validated. */
export type TRepositoryCreate = z.output<typeof ZRepositoryCreateInput>;

/** Secrets are write-only: a field left out keeps its stored value. */
export const ZRepositoryUpdateInput = z.object({
  id: z.string().min(1),
  name: ZRepositoryName.optional(),
  url: ZRepositoryUrl.optional(),
  password: z.string().min(1).max(1000).optional(),
  env: ZRepositoryEnv.optional(),
  /**
   * null removes the maintenance endpoint and host. Its url and env may be left out to keep
   * the stored ones (they are write-only), e.g. to change only the host.
   */
  maintenance: z
    .object({
      url: ZRepositoryUrl.optional(),
      env: ZRepositoryEnv.optional(),
      hostId: z.string().min(1, "Choose the maintenance host"),
    })
    .nullable()
    .optional(),
});
export type TRepositoryUpdateInput = z.input<typeof ZRepositoryUpdateInput>;
export type TRepositoryUpdate = z.output<typeof ZRepositoryUpdateInput>;

/**
 * What a backup set may set beyond its paths: an allow-list of restic's backup options, no
 * free-form flags (a flag could name a command for restic to run).
 */
export const ZBackupSetOptions = ZBackupOptions.pick({
  paths: true,
  excludes: true,
  iexcludes: true,
  excludeIfPresent: true,
  excludeCaches: true,
  excludeLargerThan: true,
  oneFileSystem: true,
  tags: true,
  useFsSnapshot: true,
  skipIfUnchanged: true,
  limitUpload: true,
  compression: true,
}).strict();
export type TBackupSetOptions = z.infer<typeof ZBackupSetOptions>;

export const ZBackupSetInput = z.object({
  name: z.string().trim().min(1, "Name is required").max(100),
  hostId: z.string().min(1),
  repositoryId: z.string().min(1),
  options: ZBackupSetOptions,
  /** What the set's forget keeps (its own snapshots only); null: keep everything. */
  retention: ZRetentionPolicy.refine(retentionHasRules, {
    message: "This retention policy keeps nothing: give at least one keep rule",
  })
    .nullable()
    .default(null),
  /** Apply the retention on the maintenance host after each successful backup. */
  forgetAfterBackup: z.boolean().default(false),
});
export type TBackupSetInput = z.input<typeof ZBackupSetInput>;
export type TBackupSet = z.output<typeof ZBackupSetInput>;
export const ZBackupSetUpdateInput = ZBackupSetInput.extend({ id: ZId });

/** "This policy would keep N and remove M": a dry-run forget of the set's snapshots. */
export const ZRetentionPreviewInput = z.object({
  backupSetId: ZId,
  policy: ZRetentionPolicy.refine(retentionHasRules, {
    message: "This retention policy keeps nothing: give at least one keep rule",
  }),
});
/**
 * A page of backup sets by name, of a host, of a repository, or all; `search` is a name prefix.
 * The input may be left out (the first 50 of all sets).
 */
export const ZBackupSetListInput = z
  .object({
    hostId: ZId.optional(),
    repositoryId: ZId.optional(),
    limit: z.number().int().min(1).max(200).default(50),
    /** The `nextCursor` of the previous page. */
    cursor: z.string().max(400).optional(),
    search: z.string().trim().max(100).optional(),
  })
  .default({ limit: 50 });
export type TBackupSetListInput = z.input<typeof ZBackupSetListInput>;
export type TBackupSetListFilter = z.output<typeof ZBackupSetListInput>;

/** A page of repositories by name; `search` is a name prefix. The input may be left out. */
export const ZRepositoryListInput = z
  .object({
    limit: z.number().int().min(1).max(200).default(50),
    cursor: z.string().max(400).optional(),
    search: z.string().trim().max(100).optional(),
  })
  .default({ limit: 50 });
export type TRepositoryListInput = z.input<typeof ZRepositoryListInput>;
export type TRepositoryListFilter = z.output<typeof ZRepositoryListInput>;

/** The tags every snapshot of a backup set carries, so forget can be scoped to it. */
export function backupSetTags(hostId: string, setId: string): string[] {
  return [`rm-host:${hostId}`, setTag(setId)];
}

/** The tag that selects one backup set's snapshots, wherever they were made. */
export function setTag(setId: string): string {
  return `rm-set:${setId}`;
}
