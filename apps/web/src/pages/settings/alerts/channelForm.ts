import type {
  TAlertKind,
  TAlertSeverity,
  TChannelInput,
  TChannelKind,
  TSmtpEncryption,
} from "@restic-manager/contracts";
import type { ChannelListItem } from "../../../lib/api-types";

/**
 * The channel editor's values as typed, and the `channels.create` / `update` input they make.
 * Secret fields start empty: on a saved channel, empty keeps what is stored (the API never
 * sends a secret back), a value replaces it, and "remove" clears it.
 */

export type NtfyAuth = "none" | "token" | "password";

export interface ChannelFormValues {
  name: string;
  kind: TChannelKind;
  enabled: boolean;
  webhook: {
    url: string;
    method: "POST" | "PUT";
    /** "Name: value" per line. */
    headers: string;
    secretHeaders: string;
    /** Stored secret headers to remove. */
    removeSecretHeaders: string[];
    secret: string;
    removeSecret: boolean;
  };
  ntfy: {
    serverUrl: string;
    topic: string;
    /** Comma- or space-separated. */
    tags: string;
    auth: NtfyAuth;
    token: string;
    username: string;
    password: string;
  };
  smtp: {
    host: string;
    port: string;
    encryption: TSmtpEncryption;
    username: string;
    password: string;
    from: string;
    to: string;
    allowPlainAuth: boolean;
    allowInvalidCertificate: boolean;
  };
  severities: TAlertSeverity[];
  kinds: TAlertKind[];
  hostIds: string[];
  digest: boolean;
  digestHour: string;
  digestTimeZone: string;
}

/** The port each encryption usually runs on: the form suggests it when the choice changes. */
export const SMTP_PORTS: Record<TSmtpEncryption, number> = { tls: 465, starttls: 587, none: 25 };

function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

export function emptyChannelValues(kind: TChannelKind): ChannelFormValues {
  return {
    name: "",
    kind,
    enabled: true,
    webhook: {
      url: "",
      method: "POST",
      headers: "",
      secretHeaders: "",
      removeSecretHeaders: [],
      secret: "",
      removeSecret: false,
    },
    ntfy: {
      serverUrl: "https://ntfy.sh",
      topic: "",
      tags: "",
      auth: "none",
      token: "",
      username: "",
      password: "",
    },
    smtp: {
      host: "",
      port: String(SMTP_PORTS.starttls),
      encryption: "starttls",
      username: "",
      password: "",
      from: "",
      to: "",
      allowPlainAuth: false,
      allowInvalidCertificate: false,
    },
    severities: [],
    kinds: [],
    hostIds: [],
    digest: false,
    digestHour: "8",
    digestTimeZone: browserTimeZone(),
  };
}

function headerLines(headers: Record<string, string>): string {
  return Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}`)
    .join("\n");
}

/** A saved channel in the editor: its settings, secrets left empty (kept unless changed). */
export function channelValues(channel: ChannelListItem): ChannelFormValues {
  const values = emptyChannelValues(channel.kind);
  const settings = channel.settings;
  const base: ChannelFormValues = {
    ...values,
    name: channel.name,
    enabled: channel.enabled,
    severities: channel.routing.severities,
    kinds: channel.routing.kinds,
    hostIds: channel.routing.hostIds,
    digest: channel.digestHour !== null,
    digestHour: String(channel.digestHour ?? 8),
    digestTimeZone: channel.digestTimeZone ?? "UTC",
  };
  switch (settings.kind) {
    case "webhook":
      return {
        ...base,
        webhook: {
          ...values.webhook,
          url: settings.config.url,
          method: settings.config.method,
          headers: headerLines(settings.config.headers),
        },
      };
    case "ntfy": {
      const auth: NtfyAuth =
        channel.secrets.token === "set" ? "token" : settings.config.username ? "password" : "none";
      return {
        ...base,
        ntfy: {
          ...values.ntfy,
          serverUrl: settings.config.serverUrl,
          topic: settings.config.topic,
          tags: settings.config.tags.join(", "),
          auth,
          username: settings.config.username ?? "",
        },
      };
    }
    case "smtp":
      return {
        ...base,
        smtp: {
          ...values.smtp,
          host: settings.config.host,
          port: String(settings.config.port),
          encryption: settings.config.encryption,
          username: settings.config.username ?? "",
          from: settings.config.from,
          to: settings.config.to,
          allowPlainAuth: settings.config.allowPlainAuth,
          allowInvalidCertificate: settings.config.allowInvalidCertificate,
        },
      };
    default: {
      const exhaustive: never = settings;
      return exhaustive;
    }
  }
}

/** "Name: value" lines as a record; a line without a colon keeps its text as the name. */
export function parseHeaderLines(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const colon = line.indexOf(":");
    const name = (colon === -1 ? line : line.slice(0, colon)).trim();
    headers[name] = colon === -1 ? "" : line.slice(colon + 1).trim();
  }
  return headers;
}

/** A secret as the API takes it: a value replaces, null clears, undefined keeps. */
function secretField(value: string, keep: boolean): string | null | undefined {
  if (value !== "") return value;
  return keep ? undefined : null;
}

function channelSettings(values: ChannelFormValues, saved: boolean): TChannelInput["settings"] {
  switch (values.kind) {
    case "webhook": {
      const { webhook } = values;
      const secretHeaders: Record<string, string | null> = parseHeaderLines(webhook.secretHeaders);
      for (const name of webhook.removeSecretHeaders) secretHeaders[name] ??= null;
      return {
        kind: "webhook",
        config: {
          url: webhook.url.trim(),
          method: webhook.method,
          headers: parseHeaderLines(webhook.headers),
        },
        secrets: {
          secret: secretField(webhook.secret, saved && !webhook.removeSecret),
          headers: secretHeaders,
        },
      };
    }
    case "ntfy": {
      const { ntfy } = values;
      const tags = ntfy.tags.split(/[\s,]+/).filter((tag) => tag !== "");
      return {
        kind: "ntfy",
        config: {
          serverUrl: ntfy.serverUrl.trim(),
          topic: ntfy.topic.trim(),
          tags,
          ...(ntfy.auth === "password" ? { username: ntfy.username.trim() } : {}),
        },
        secrets: {
          token: ntfy.auth === "token" ? secretField(ntfy.token, saved) : null,
          password: ntfy.auth === "password" ? secretField(ntfy.password, saved) : null,
        },
      };
    }
    case "smtp": {
      const { smtp } = values;
      const username = smtp.username.trim();
      return {
        kind: "smtp",
        config: {
          host: smtp.host.trim(),
          port: smtp.port.trim() === "" ? Number.NaN : Number(smtp.port),
          encryption: smtp.encryption,
          ...(username ? { username } : {}),
          from: smtp.from.trim(),
          to: smtp.to.trim(),
          allowPlainAuth: smtp.allowPlainAuth,
          allowInvalidCertificate: smtp.allowInvalidCertificate,
        },
        secrets: { password: username ? secretField(smtp.password, saved) : null },
      };
    }
    default: {
      const exhaustive: never = values.kind;
      return exhaustive;
    }
  }
}

/** The `channels.create` input (with `id`, `channels.update`'s), unchecked: zod checks it. */
export function toChannelInput(values: ChannelFormValues, saved: boolean): TChannelInput {
  return {
    name: values.name.trim(),
    enabled: values.enabled,
    settings: channelSettings(values, saved),
    routing: { severities: values.severities, kinds: values.kinds, hostIds: values.hostIds },
    digestHour: values.digest ? Number(values.digestHour) : null,
    digestTimeZone: values.digest ? values.digestTimeZone.trim() || null : null,
  };
}

/** The first message among `errors` whose field is `prefix` or lies under it. */
export function errorUnder(errors: Record<string, string>, prefix: string): string | undefined {
  const key = Object.keys(errors).find(
    (field) => field === prefix || field.startsWith(`${prefix}.`),
  );
  return key === undefined ? undefined : errors[key];
}
