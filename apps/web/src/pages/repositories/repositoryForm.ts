import {
  type TRepositoryCreateInput,
  type TRepositoryUpdateInput,
  ZRepositoryCreateInput,
  ZRepositoryEnv,
  ZRepositoryUpdateInput,
} from "@restic-manager/contracts";
import type { FieldErrors, Validation } from "../../lib/forms";
import { validateNested } from "../../lib/forms";
import { parseEnvLines } from "./env";

/** The repository form's values, as its inputs hold them; "on" / "" for the checkboxes. */
export type RepositoryFormValues = {
  name: string;
  url: string;
  password: string;
  env: string;
  clearEnv: string;
  mode: string;
  setupHostId: string;
  maintenance: string;
  maintenanceUrl: string;
  maintenanceEnv: string;
  maintenanceHostId: string;
};

export const EMPTY_REPOSITORY_FORM: RepositoryFormValues = {
  name: "",
  url: "",
  password: "",
  env: "",
  clearEnv: "",
  mode: "init",
  setupHostId: "",
  maintenance: "",
  maintenanceUrl: "",
  maintenanceEnv: "",
  maintenanceHostId: "",
};

/** What the edit form needs to know of the stored repository: secrets are never sent back. */
export interface StoredRepository {
  id: string;
  name: string;
  maintenanceHostId: string | null;
}

/** The form's own field for each path the contracts may name in an error. */
const FIELD_OF: [path: string, field: keyof RepositoryFormValues][] = [
  ["maintenance.url", "maintenanceUrl"],
  ["maintenance.env", "maintenanceEnv"],
  ["maintenance.hostId", "maintenanceHostId"],
  ["setup.hostId", "setupHostId"],
  ["setup.mode", "mode"],
  ["name", "name"],
  ["url", "url"],
  ["password", "password"],
  ["env", "env"],
];

/** Puts each message on the form field it concerns ("env.bad key" → env); the rest on "". */
function onFields(errors: FieldErrors): FieldErrors {
  const placed: FieldErrors = {};
  for (const [path, message] of Object.entries(errors)) {
    const field =
      FIELD_OF.find(([prefix]) => path === prefix || path.startsWith(`${prefix}.`))?.[1] ?? "";
    placed[field] ??= message;
  }
  return placed;
}

/** Variables from their lines; a bad name is named here, as the record's check only says "key". */
function envOf(text: string, field: keyof RepositoryFormValues) {
  const parsed = parseEnvLines(text);
  if (!parsed.ok) {
    return { env: {}, errors: { [field]: parsed.errors.env ?? "Write each line as KEY=value" } };
  }
  for (const key of Object.keys(parsed.data)) {
    const checked = ZRepositoryEnv.keyType.safeParse(key);
    if (!checked.success) {
      const message = checked.error.issues[0]?.message ?? "Not a variable name";
      return { env: {}, errors: { [field]: `${key}: ${message}` } };
    }
  }
  return { env: parsed.data, errors: {} };
}

function combine<T>(own: FieldErrors, checked: Validation<T>): Validation<T> {
  const errors = { ...(checked.ok ? {} : onFields(checked.errors)), ...own };
  if (checked.ok && Object.keys(errors).length === 0) return checked;
  return { ok: false, errors };
}

/** The add form's values as `repositories.create` input, checked against its contract. */
export function toCreateInput(values: RepositoryFormValues): Validation<TRepositoryCreateInput> {
  const own: FieldErrors = {};
  if (!values.url.trim()) own.url = "The backup endpoint is required";
  if (!values.setupHostId) own.setupHostId = "Choose the host that sets it up";
  const env = envOf(values.env, "env");
  let maintenance: TRepositoryCreateInput["maintenance"];
  if (values.maintenance === "on") {
    const maintenanceEnv = envOf(values.maintenanceEnv, "maintenanceEnv");
    Object.assign(own, maintenanceEnv.errors);
    if (!values.maintenanceUrl.trim()) own.maintenanceUrl = "The maintenance endpoint is required";
    if (!values.maintenanceHostId) own.maintenanceHostId = "Choose the maintenance host";
    maintenance = {
      url: values.maintenanceUrl.trim(),
      env: maintenanceEnv.env,
      hostId: values.maintenanceHostId,
    };
  }
  Object.assign(own, env.errors);
  const input = {
    name: values.name.trim(),
    url: values.url.trim(),
    password: values.password,
    env: env.env,
    ...(maintenance ? { maintenance } : {}),
    setup: { mode: values.mode, hostId: values.setupHostId },
  };
  return combine(own, validateNested(ZRepositoryCreateInput, input));
}

/** The edit form's starting values: the name and the maintenance host; secrets stay empty. */
export function editValues(stored: StoredRepository): RepositoryFormValues {
  return {
    ...EMPTY_REPOSITORY_FORM,
    name: stored.name,
    maintenance: stored.maintenanceHostId ? "on" : "",
    maintenanceHostId: stored.maintenanceHostId ?? "",
  };
}

/**
 * The edit form's values as `repositories.update` input: a secret left empty keeps its stored
 * value, so only what was typed is sent. The maintenance endpoint is sent whole or not at all:
 * changing its host or variables needs its URL again, which is stored sealed.
 */
export function toUpdateInput(
  values: RepositoryFormValues,
  stored: StoredRepository,
): Validation<TRepositoryUpdateInput> {
  const own: FieldErrors = {};
  const input: TRepositoryUpdateInput = { id: stored.id };
  if (values.name.trim() !== stored.name) input.name = values.name.trim();
  if (values.url.trim()) input.url = values.url.trim();
  if (values.password) input.password = values.password;
  if (values.clearEnv === "on") input.env = {};
  else if (values.env.trim()) {
    const env = envOf(values.env, "env");
    Object.assign(own, env.errors);
    input.env = env.env;
  }

  const hadMaintenance = stored.maintenanceHostId !== null;
  if (values.maintenance !== "on") {
    if (hadMaintenance) input.maintenance = null;
  } else {
    const url = values.maintenanceUrl.trim();
    const unchanged =
      !url &&
      values.maintenanceHostId === stored.maintenanceHostId &&
      !values.maintenanceEnv.trim();
    if (!values.maintenanceHostId) own.maintenanceHostId = "Choose the maintenance host";
    if (!url && !unchanged) {
      own.maintenanceUrl = hadMaintenance
        ? "Enter the maintenance endpoint again to change its host or variables"
        : "The maintenance endpoint is required";
    }
    if (url) {
      const env = envOf(values.maintenanceEnv, "maintenanceEnv");
      Object.assign(own, env.errors);
      input.maintenance = { url, env: env.env, hostId: values.maintenanceHostId };
    }
  }
  return combine(own, validateNested(ZRepositoryUpdateInput, input));
}
