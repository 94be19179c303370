import { type TBackupSetOptions, ZBackupSetOptions } from "@restic-manager/contracts";
import { type Validation, validateNested } from "../../lib/forms";
import { BACKUP_FIELDS } from "../hosts/operations/backupForgetFields";
import { fieldValue, type OperationField } from "../hosts/operations/fields";
import type { OperationValues } from "../hosts/operations/params";

const ALLOWED: readonly string[] = Object.keys(ZBackupSetOptions.shape);

/** The backup form's fields that a backup set may keep: the allow-listed options only. */
export const BACKUP_SET_FIELDS: OperationField[] = BACKUP_FIELDS.filter((field) =>
  ALLOWED.includes(field.name),
);

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
