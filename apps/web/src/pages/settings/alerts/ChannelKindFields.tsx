import { SMTP_ENCRYPTIONS, type TSmtpEncryption } from "@restic-manager/contracts";
import { Button } from "../../../components/ui/Button";
import { CheckboxField, SelectField, TextAreaField, TextField } from "../../../components/ui/Field";
import type { ChannelListItem } from "../../../lib/api-types";
import { type ChannelFormValues, errorUnder, type NtfyAuth, SMTP_PORTS } from "./channelForm";

type Errors = Record<string, string>;

interface KindFieldsProps<K extends "webhook" | "ntfy" | "smtp"> {
  values: ChannelFormValues[K];
  onChange: (patch: Partial<ChannelFormValues[K]>) => void;
  errors: Errors;
  /** Which secrets the saved channel holds ("set" / "not set"); none for a new one. */
  stored: ChannelListItem["secrets"] | undefined;
}

function keepHint(stored: ChannelListItem["secrets"] | undefined, field: string) {
  return stored?.[field] === "set" ? "Set. Leave empty to keep it; type to replace it." : undefined;
}

export function WebhookFields({ values, onChange, errors, stored }: KindFieldsProps<"webhook">) {
  const storedHeaders = Object.keys(stored ?? {})
    .filter((field) => field.startsWith("header:"))
    .map((field) => field.slice("header:".length));
  return (
    <div className="grid gap-4 sm:grid-cols-[1fr_8rem]">
      <TextField
        label="URL"
        placeholder="https://hooks.example.com/restic"
        value={values.url}
        onChange={(event) => onChange({ url: event.target.value })}
        error={errorUnder(errors, "settings.config.url")}
        data-testid="channel-webhook-url"
      />
      <SelectField
        label="Method"
        options={[
          { value: "POST", label: "POST" },
          { value: "PUT", label: "PUT" },
        ]}
        value={values.method}
        onChange={(event) => onChange({ method: event.target.value as "POST" | "PUT" })}
        data-testid="channel-webhook-method"
      />
      <div className="sm:col-span-2">
        <TextAreaField
          label="Headers"
          placeholder="X-Team: backups"
          hint="One “Name: value” per line, sent as they are."
          value={values.headers}
          onChange={(event) => onChange({ headers: event.target.value })}
          error={errorUnder(errors, "settings.config.headers")}
          data-testid="channel-webhook-headers"
        />
      </div>
      <div className="space-y-2 sm:col-span-2">
        <TextAreaField
          label="Secret headers"
          placeholder="Authorization: Bearer …"
          hint="Sealed at rest and never shown again: an Authorization header, an API key."
          value={values.secretHeaders}
          onChange={(event) => onChange({ secretHeaders: event.target.value })}
          error={errorUnder(errors, "settings.secrets.headers")}
          data-testid="channel-webhook-secret-headers"
        />
        {storedHeaders.length > 0 ? (
          <ul className="flex flex-wrap gap-2 text-xs">
            {storedHeaders.map((name) => {
              const removing = values.removeSecretHeaders.includes(name);
              return (
                <li
                  key={name}
                  className="flex items-center gap-1.5 rounded-md border border-slate-300 px-2 py-1 dark:border-slate-700"
                >
                  <span className={removing ? "line-through" : ""}>{name}: set</span>
                  <Button
                    size="sm"
                    variant="ghost"
                    onClick={() =>
                      onChange({
                        removeSecretHeaders: removing
                          ? values.removeSecretHeaders.filter((h) => h !== name)
                          : [...values.removeSecretHeaders, name],
                      })
                    }
                  >
                    {removing ? "Keep" : "Remove"}
                  </Button>
                </li>
              );
            })}
          </ul>
        ) : null}
      </div>
      <div className="space-y-2 sm:col-span-2">
        <TextField
          label="Signing secret"
          type="password"
          autoComplete="new-password"
          hint={
            keepHint(stored, "secret") ??
            "Optional: signs every body as X-Restic-Manager-Signature: sha256=<HMAC-SHA256>."
          }
          value={values.secret}
          onChange={(event) => onChange({ secret: event.target.value })}
          error={errorUnder(errors, "settings.secrets.secret")}
          data-testid="channel-webhook-secret"
        />
        {stored?.secret === "set" ? (
          <CheckboxField
            label="Remove the signing secret"
            checked={values.removeSecret}
            onChange={(event) => onChange({ removeSecret: event.target.checked })}
          />
        ) : null}
      </div>
    </div>
  );
}

const NTFY_AUTH: { value: NtfyAuth; label: string }[] = [
  { value: "none", label: "None (an open topic)" },
  { value: "token", label: "Access token" },
  { value: "password", label: "Username and password" },
];

export function NtfyFields({ values, onChange, errors, stored }: KindFieldsProps<"ntfy">) {
  return (
    <div className="grid gap-4 sm:grid-cols-2">
      <TextField
        label="Server URL"
        value={values.serverUrl}
        onChange={(event) => onChange({ serverUrl: event.target.value })}
        error={errorUnder(errors, "settings.config.serverUrl")}
        data-testid="channel-ntfy-server"
      />
      <TextField
        label="Topic"
        placeholder="backups"
        value={values.topic}
        onChange={(event) => onChange({ topic: event.target.value })}
        error={errorUnder(errors, "settings.config.topic")}
        data-testid="channel-ntfy-topic"
      />
      <TextField
        label="Tags"
        placeholder="floppy_disk, restic"
        hint="Optional, comma-separated; ntfy shows emoji for known ones."
        value={values.tags}
        onChange={(event) => onChange({ tags: event.target.value })}
        error={errorUnder(errors, "settings.config.tags")}
        data-testid="channel-ntfy-tags"
      />
      <SelectField
        label="Sign in with"
        options={NTFY_AUTH}
        value={values.auth}
        onChange={(event) => onChange({ auth: event.target.value as NtfyAuth })}
        data-testid="channel-ntfy-auth"
      />
      {values.auth === "token" ? (
        <TextField
          label="Access token"
          type="password"
          autoComplete="new-password"
          placeholder="tk_…"
          hint={keepHint(stored, "token")}
          value={values.token}
          onChange={(event) => onChange({ token: event.target.value })}
          error={errorUnder(errors, "settings.secrets.token")}
          data-testid="channel-ntfy-token"
        />
      ) : null}
      {values.auth === "password" ? (
        <>
          <TextField
            label="Username"
            autoComplete="off"
            value={values.username}
            onChange={(event) => onChange({ username: event.target.value })}
            error={errorUnder(errors, "settings.config.username")}
            data-testid="channel-ntfy-username"
          />
          <TextField
            label="Password"
            type="password"
            autoComplete="new-password"
            hint={keepHint(stored, "password")}
            value={values.password}
            onChange={(event) => onChange({ password: event.target.value })}
            error={errorUnder(errors, "settings.secrets.password")}
            data-testid="channel-ntfy-password"
          />
        </>
      ) : null}
    </div>
  );
}

const ENCRYPTION_LABELS: Record<TSmtpEncryption, string> = {
  starttls: "STARTTLS (usually port 587)",
  tls: "TLS from the start (usually port 465)",
  none: "None",
};

/** What to say when the port and the encryption do not usually go together. */
function portAdvice(port: string, encryption: TSmtpEncryption): string | undefined {
  if (port === "465" && encryption !== "tls") return "Port 465 usually expects TLS from the start.";
  if (port === "587" && encryption !== "starttls") return "Port 587 usually expects STARTTLS.";
  return undefined;
}

export function SmtpFields({ values, onChange, errors, stored }: KindFieldsProps<"smtp">) {
  const advice = portAdvice(values.port.trim(), values.encryption);
  const standardPort = Object.values(SMTP_PORTS).map(String).includes(values.port.trim());
  return (
    <div className="grid gap-4 sm:grid-cols-[1fr_7rem]">
      <TextField
        label="Server"
        placeholder="mail.example.com"
        value={values.host}
        onChange={(event) => onChange({ host: event.target.value })}
        error={errorUnder(errors, "settings.config.host")}
        data-testid="channel-smtp-host"
      />
      <TextField
        label="Port"
        inputMode="numeric"
        value={values.port}
        onChange={(event) => onChange({ port: event.target.value })}
        error={errorUnder(errors, "settings.config.port")}
        data-testid="channel-smtp-port"
      />
      <div className="sm:col-span-2">
        <SelectField
          label="Encryption"
          options={SMTP_ENCRYPTIONS.map((value) => ({ value, label: ENCRYPTION_LABELS[value] }))}
          value={values.encryption}
          onChange={(event) => {
            const encryption = event.target.value as TSmtpEncryption;
            // A port the admin typed stays; one of the usual ones follows the encryption.
            onChange(
              standardPort || values.port.trim() === ""
                ? { encryption, port: String(SMTP_PORTS[encryption]) }
                : { encryption },
            );
          }}
          hint={advice}
          data-testid="channel-smtp-encryption"
        />
      </div>
      <TextField
        label="Username"
        autoComplete="off"
        hint="Optional: leave empty for a relay that takes mail without signing in."
        value={values.username}
        onChange={(event) => onChange({ username: event.target.value })}
        error={errorUnder(errors, "settings.config.username")}
        data-testid="channel-smtp-username"
      />
      <TextField
        label="Password"
        type="password"
        autoComplete="new-password"
        disabled={values.username.trim() === ""}
        hint={keepHint(stored, "password")}
        value={values.password}
        onChange={(event) => onChange({ password: event.target.value })}
        error={errorUnder(errors, "settings.secrets.password")}
        data-testid="channel-smtp-password"
      />
      <TextField
        label="From"
        type="email"
        placeholder="restic-manager@example.com"
        value={values.from}
        onChange={(event) => onChange({ from: event.target.value })}
        error={errorUnder(errors, "settings.config.from")}
        data-testid="channel-smtp-from"
      />
      <TextField
        label="To"
        type="email"
        placeholder="oncall@example.com"
        hint="One address: each channel is one recipient."
        value={values.to}
        onChange={(event) => onChange({ to: event.target.value })}
        error={errorUnder(errors, "settings.config.to")}
        data-testid="channel-smtp-to"
      />
      <div className="space-y-3 sm:col-span-2">
        <CheckboxField
          label="Allow credentials without encryption"
          hint="Only with encryption “None”: the username and password cross the network readable by anyone on the way."
          checked={values.allowPlainAuth}
          onChange={(event) => onChange({ allowPlainAuth: event.target.checked })}
          error={errorUnder(errors, "settings.config.allowPlainAuth")}
          data-testid="channel-smtp-allow-plain"
        />
        <CheckboxField
          label="Accept a self-signed certificate"
          hint="For a mail server on the LAN whose certificate no authority signed."
          checked={values.allowInvalidCertificate}
          onChange={(event) => onChange({ allowInvalidCertificate: event.target.checked })}
          data-testid="channel-smtp-allow-invalid-cert"
        />
      </div>
    </div>
  );
}
