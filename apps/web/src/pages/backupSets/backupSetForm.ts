import {
  type TBackupSetOptions,
  type TRetentionPolicy,
  ZBackupSetOptions,
  ZRetentionPolicy,
} from "@restic-manager/contracts";
import { type Validation, validateNested } from "../../lib/forms";
import { BACKUP_FIELDS, FORGET_FIELDS } from "../hosts/operations/backupForgetFields";
import { fieldValue, type OperationField } from "../hosts/operations/fields";
import { explainKeepErrors, type OperationValues } from "../hosts/operations/params";

const ALLOWED: readonly string[] = Object.keys(ZBackupSetOptions.shape);

/** The backup form's fields that a backup set may keep: the allow-listed options only. */
export const BACKUP_SET_FIELDS: OperationField[] = BACKUP_FIELDS.filter((field) =>
  ALLOWED.includes(field.name),
);

const POLICY = "policy.";

/** The forget form's keep rules, all in view: a set's retention is its policy and nothing else. */
export const RETENTION_FIELDS: OperationField[] = FORGET_FIELDS.filter((field) =>
  field.name.startsWith(POLICY),
).map((field) => ({ ...field, advanced: false }));

function asText(field: OperationField, value: unknown): string {
  if (value === undefined || value === null) return field.initial ?? "";
  if (Array.isArray(value)) return value.map(String).join("\n");
  if (typeof value === "boolean") return value ? "true" : "";
  return String(value);
}

/** A stored set's options as form values; empty values for a new set. */
export function backupSetValues(options?: TBackupSetOptions): OperationValues {
  const stored: Record<string, unknown> = options ?? {};
  return Object.fromEntries(
    BACKUP_SET_FIELDS.map((field) => [field.name, asText(field, stored[field.name])]),
  );
}

/** The form's values as the set's options, checked against the allow-list contract. */
export function toBackupSetOptions(values: OperationValues): Validation<TBackupSetOptions> {
  const options: Record<string, unknown> = {};
  for (const field of BACKUP_SET_FIELDS) {
    const value = fieldValue(field.control, values[field.name] ?? "");
    if (value !== undefined) options[field.name] = value;
  }
  return validateNested(ZBackupSetOptions, options);
}

/** A few words per option that is set, for the lists: "2 excludes", "one file system". */
export function describeSetOptions(options: TBackupSetOptions): string[] {
  const words: string[] = [];
  const count = (n: number | undefined, noun: string) => {
    if (n) words.push(`${n} ${noun}${n === 1 ? "" : "s"}`);
  };
  count((options.excludes?.length ?? 0) + (options.iexcludes?.length ?? 0), "exclude");
  count(options.excludeIfPresent?.length, "marker file");
  if (options.excludeCaches) words.push("no caches");
  if (options.excludeLargerThan) words.push(`files ≤ ${options.excludeLargerThan}`);
  if (options.oneFileSystem) words.push("one file system");
  if (options.useFsSnapshot) words.push("VSS");
  if (options.skipIfUnchanged) words.push("skip if unchanged");
  if (options.limitUpload) words.push(`≤ ${options.limitUpload} KiB/s`);
  if (options.compression) words.push(`compression ${options.compression}`);
  if (options.tags?.length) words.push(`tags ${options.tags.join(", ")}`);
  return words;
}

/** A stored policy as form values, keyed as the fields are (`policy.keepDaily`). */
export function retentionValues(policy: TRetentionPolicy | null | undefined): OperationValues {
  const stored: Record<string, unknown> = policy ?? {};
  return Object.fromEntries(
    RETENTION_FIELDS.map((field) => [
      field.name,
      asText(field, stored[field.name.slice(POLICY.length)]),
    ]),
  );
}

/** The form's keep rules as a policy, which may have no rule at all (keep everything). */
export function toRetention(values: OperationValues): Validation<TRetentionPolicy> {
  const policy: Record<string, unknown> = {};
  for (const field of RETENTION_FIELDS) {
    const value = fieldValue(field.control, values[field.name] ?? "");
    if (value !== undefined) policy[field.name.slice(POLICY.length)] = value;
  }
  const checked = validateNested(ZRetentionPolicy, policy);
  if (checked.ok) return checked;
  const errors = Object.fromEntries(
    Object.entries(checked.errors).map(([name, message]) => [`${POLICY}${name}`, message]),
  );
  return { ok: false, errors: explainKeepErrors(RETENTION_FIELDS, errors) };
}

const PERIODS = [
  ["keepHourly", "hourly"],
  ["keepDaily", "daily"],
  ["keepWeekly", "weekly"],
  ["keepMonthly", "monthly"],
  ["keepYearly", "yearly"],
] as const;

/** "keeps last 3, 7 daily, 4 weekly, within 30d": a policy in a few words, for the lists. */
export function describeRetention(policy: TRetentionPolicy): string {
  const rules: string[] = [];
  if (policy.keepLast !== undefined) rules.push(`last ${policy.keepLast}`);
  for (const [key, word] of PERIODS) {
    const count = policy[key];
    if (count !== undefined) rules.push(`${count} ${word}`);
  }
  if (policy.keepWithin) rules.push(`within ${policy.keepWithin}`);
  if (policy.keepTags?.length) rules.push(`tagged ${policy.keepTags.join(" or ")}`);
  return `keeps ${rules.join(", ")}`;
}
