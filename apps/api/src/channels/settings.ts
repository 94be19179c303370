import {
  CHANNEL_KINDS,
  narrow,
  type TChannelSettings,
  ZChannelSettings,
} from "@restic-manager/contracts";
import type { Keyring } from "../secrets/keyring.js";
import { openSecret, sealSecret } from "../secrets/seal.js";

/**
 * A channel's settings as stored (config JSON, secrets sealed under `channel:<id>:secrets`)
 * and as shown (config, and which secrets are set, never their values).
 */

type Secrets = NonNullable<TChannelSettings["secrets"]>;

function context(id: string): string {
  return `channel:${id}:secrets`;
}

/** The settings a sender uses: config and opened secrets. */
export function openSettings(
  keyring: Keyring,
  row: { id: string; kind: string; config: string; secretsSealed: string | null },
): TChannelSettings {
  const secrets = row.secretsSealed
    ? (JSON.parse(openSecret(keyring, row.secretsSealed, context(row.id))) as unknown)
    : undefined;
  return ZChannelSettings.parse({
    kind: narrow(CHANNEL_KINDS, row.kind),
    config: JSON.parse(row.config),
    secrets,
  });
}

/** Drops unset fields (null clears, undefined was never there); null when nothing is left. */
function compact(secrets: Secrets | undefined): Record<string, unknown> | null {
  if (!secrets) return null;
  const out: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(secrets)) {
    if (field === "headers" && value && typeof value === "object") {
      const headers = Object.fromEntries(
        Object.entries(value as Record<string, string | null>).filter(([, v]) => v !== null),
      );
      if (Object.keys(headers).length > 0) out.headers = headers;
    } else if (typeof value === "string") {
      out[field] = value;
    }
  }
  return Object.keys(out).length > 0 ? out : null;
}

export function sealSettingsSecrets(
  keyring: Keyring,
  id: string,
  settings: TChannelSettings,
): string | null {
  const secrets = compact(settings.secrets);
  return secrets ? sealSecret(keyring, JSON.stringify(secrets), context(id)) : null;
}

/**
 * The secrets after an update: a field left out keeps the stored value, null clears it, a
 * value replaces it (secret headers one by one). A channel that changes kind keeps none.
 */
export function mergeSecrets(stored: TChannelSettings | undefined, given: TChannelSettings) {
  if (!stored || stored.kind !== given.kind) return given;
  const merged: Record<string, unknown> = { ...stored.secrets };
  for (const [field, value] of Object.entries(given.secrets ?? {})) {
    if (field === "headers") {
      merged.headers = {
        ...(stored.secrets as { headers?: Record<string, string> } | undefined)?.headers,
        ...(value as Record<string, string | null>),
      };
    } else if (value !== undefined) {
      merged[field] = value;
    }
  }
  return { ...given, secrets: compact(merged as Secrets) ?? undefined } as TChannelSettings;
}

export type SecretState = "set" | "not set";

/** Which secret fields hold a value: `secret`, `header:<Name>`, `token`, `password`. */
export function secretsState(settings: TChannelSettings): Record<string, SecretState> {
  const state = (value: string | null | undefined): SecretState => (value ? "set" : "not set");
  switch (settings.kind) {
    case "webhook": {
      const headers = Object.entries(settings.secrets?.headers ?? {}).filter(([, v]) => v);
      return {
        secret: state(settings.secrets?.secret),
        ...Object.fromEntries(headers.map(([name]) => [`header:${name}`, "set" as const])),
      };
    }
    case "ntfy":
      return { token: state(settings.secrets?.token), password: state(settings.secrets?.password) };
    case "smtp":
      return { password: state(settings.secrets?.password) };
    default: {
      const exhaustive: never = settings;
      return exhaustive;
    }
  }
}

/** Where messages go, in one line: `name · kind://host… → destination`. */
export function channelLabel(name: string, settings: TChannelSettings): string {
  switch (settings.kind) {
    case "webhook": {
      // The path may hold a token (many chat webhooks do): its first segment only.
      const url = new URL(settings.config.url);
      const [first = ""] = url.pathname.split("/").filter(Boolean);
      const path = first ? `/${first}${url.pathname.length > first.length + 1 ? "/…" : ""}` : "/";
      return `${name} · webhook://${url.host}… → ${settings.config.method} ${path}`;
    }
    case "ntfy":
      return `${name} · ntfy://${new URL(settings.config.serverUrl).host}… → ${settings.config.topic}`;
    case "smtp":
      return `${name} · smtp://${settings.config.host}:${settings.config.port}… → ${settings.config.to}`;
    default: {
      const exhaustive: never = settings;
      return exhaustive;
    }
  }
}
