import type { ChangeEvent } from "react";
import { HostSelectField } from "../../components/HostSelectField";
import { CheckboxField, ChoiceField, TextAreaField, TextField } from "../../components/ui/Field";
import type { FieldBinding, FieldErrors } from "../../lib/forms";
import type { RepositoryFormValues } from "./repositoryForm";

type Name = keyof RepositoryFormValues & string;

/** What the edit form shows in place of the secrets it never receives. */
export interface StoredSecrets {
  displayUrl: string;
  hasEnv: boolean;
  maintenanceDisplayUrl: string | null;
  hasMaintenanceEnv: boolean;
}

interface RepositoryFieldsProps {
  values: RepositoryFormValues;
  errors: FieldErrors;
  bind: (name: Name) => FieldBinding;
  set: (name: Name, value: string) => void;
  /** Set when editing: secrets left empty keep their stored value. */
  stored?: StoredSecrets | undefined;
}

const KEEP = "stored — leave empty to keep";
/** restic reads a URL as Go's url.Parse does: these characters of a password must be encoded. */
const URL_PASSWORD_HINT =
  "A password in the URL is percent-encoded: % as %25, / as %2F, ? as %3F, # as %23, a space as %20 and so on (@ and : may stay).";
const SETUP_CHOICES = [
  {
    value: "init",
    label: "Create it (init)",
    hint: "A new, empty repository: the host runs restic init.",
    "data-testid": "repo-mode-init",
  },
  {
    value: "adopt",
    label: "Adopt an existing one (verify password)",
    hint: "The host opens it with the password and reads its id; nothing is written.",
    "data-testid": "repo-mode-adopt",
  },
];

/** The fields of the add and edit forms: endpoints, secrets, set-up and maintenance. */
export function RepositoryFields({ values, errors, bind, set, stored }: RepositoryFieldsProps) {
  const checkbox = (name: Name) => ({
    checked: values[name] === "on",
    onChange: (event: ChangeEvent<HTMLInputElement>) => set(name, event.target.checked ? "on" : ""),
  });

  return (
    <div className="space-y-4">
      <TextField
        label="Name"
        placeholder="e.g. office-nas"
        autoComplete="off"
        data-testid="repo-name"
        error={errors.name}
        {...bind("name")}
      />
      <TextField
        label="Backup endpoint"
        placeholder={stored ? stored.displayUrl : "rest:https://backup.example.org/host1"}
        autoComplete="off"
        spellCheck={false}
        hint={
          stored
            ? `The repository string is ${KEEP}. ${URL_PASSWORD_HINT}`
            : `What hosts back up through: on rest-server, serve it append-only. Anything restic accepts as -r: rest:, s3:, sftp:, b2:, a local path… ${URL_PASSWORD_HINT}`
        }
        data-testid="repo-url"
        error={errors.url}
        {...bind("url")}
      />
      <TextField
        label="Repository password"
        type="password"
        autoComplete="new-password"
        placeholder={stored ? KEEP : undefined}
        hint={
          stored
            ? "A new password here only changes what restic-manager sends; it does not re-key the repository."
            : "Stored encrypted and never shown again. Keep a copy: without it the backups cannot be read."
        }
        data-testid="repo-password"
        error={errors.password}
        {...bind("password")}
      />
      <TextAreaField
        label="Environment variables (optional)"
        placeholder={stored?.hasEnv ? KEEP : "AWS_ACCESS_KEY_ID=…\nAWS_SECRET_ACCESS_KEY=…"}
        spellCheck={false}
        disabled={values.clearEnv === "on"}
        hint="Credentials for the storage backend, one KEY=value per line. Stored encrypted."
        data-testid="repo-env"
        error={errors.env}
        {...bind("env")}
      />
      {stored?.hasEnv ? (
        <CheckboxField
          label="Remove the stored variables"
          data-testid="repo-clear-env"
          {...checkbox("clearEnv")}
        />
      ) : null}
      {stored ? null : (
        <div className="space-y-4 rounded-md border border-slate-200 p-4 dark:border-slate-800">
          <ChoiceField
            label="Set-up"
            name="mode"
            value={values.mode}
            choices={SETUP_CHOICES}
            onChange={(value) => set("mode", value)}
            error={errors.mode}
          />
          <HostSelectField
            label="Host that sets it up"
            emptyLabel="Choose a host…"
            activeOnly
            showOnline
            hint="Its agent reaches the backup endpoint with these credentials."
            data-testid="repo-setup-host"
            error={errors.setupHostId}
            {...bind("setupHostId")}
          />
        </div>
      )}
      <CheckboxField
        label="Maintenance endpoint"
        hint="Needed to forget, prune and unlock: only the maintenance host may, through an endpoint with full rights."
        data-testid="repo-maintenance"
        {...checkbox("maintenance")}
      />
      {values.maintenance === "on" ? (
        <div
          className="space-y-4 rounded-md border border-slate-200 p-4 dark:border-slate-800"
          data-testid="repo-maintenance-fields"
        >
          <p className="text-xs text-slate-600 dark:text-slate-400">
            The maintenance host is the only host allowed to forget, prune and unlock. Every other
            host gets the backup endpoint, which is append-only on rest-server: a host that is
            broken into cannot delete its backups.
          </p>
          <TextField
            label="Maintenance endpoint"
            placeholder={
              stored?.maintenanceDisplayUrl ?? "rest:https://maintainer@backup.example.org/host1"
            }
            autoComplete="off"
            spellCheck={false}
            hint={
              stored?.maintenanceDisplayUrl
                ? `${KEEP}; give it again to change the host or the variables.`
                : `The same repository with full rights (on rest-server, not append-only). ${URL_PASSWORD_HINT}`
            }
            data-testid="repo-maintenance-url"
            error={errors.maintenanceUrl}
            {...bind("maintenanceUrl")}
          />
          <TextAreaField
            label="Its environment variables (optional)"
            placeholder={stored?.hasMaintenanceEnv ? KEEP : "AWS_ACCESS_KEY_ID=…"}
            spellCheck={false}
            hint={
              stored?.hasMaintenanceEnv
                ? "They go with the endpoint: when you give it again, give them again too."
                : "One KEY=value per line. Stored encrypted."
            }
            data-testid="repo-maintenance-env"
            error={errors.maintenanceEnv}
            {...bind("maintenanceEnv")}
          />
          <HostSelectField
            label="Maintenance host"
            emptyLabel="Choose a host…"
            activeOnly
            showOnline
            data-testid="repo-maintenance-host"
            error={errors.maintenanceHostId}
            {...bind("maintenanceHostId")}
          />
        </div>
      ) : null}
    </div>
  );
}
