/** How one option of an operation is entered, and turned into its params value. */
export type FieldControl = "text" | "lines" | "number" | "keep" | "checkbox" | "select" | "groupBy";

export interface OperationField {
  /** Where the value goes in the params, dotted for nested objects: `policy.keepDaily`. */
  name: string;
  label: string;
  control: FieldControl;
  hint?: string;
  placeholder?: string;
  options?: readonly { value: string; label: string }[];
  initial?: string;
  /** Fields are drawn in groups under this heading. */
  section?: string;
  /** Rarely needed: folded away under "More options". */
  advanced?: boolean;
}

export interface OperationSpec {
  label: string;
  description: string;
  fields: OperationField[];
}

export function lines(
  name: string,
  label: string,
  extra: Partial<OperationField> = {},
): OperationField {
  return { name, label, control: "lines", hint: "One per line.", ...extra };
}

export function text(
  name: string,
  label: string,
  extra: Partial<OperationField> = {},
): OperationField {
  return { name, label, control: "text", ...extra };
}

export function checkbox(
  name: string,
  label: string,
  extra: Partial<OperationField> = {},
): OperationField {
  return { name, label, control: "checkbox", ...extra };
}

/** The host / tag / path filters that select snapshots. */
export function snapshotFilters(section: string, advanced = false): OperationField[] {
  return [
    lines("hosts", "Hosts", {
      section,
      advanced,
      hint: "Only these hosts' snapshots. One per line.",
    }),
    lines("tags", "Tags", { section, advanced, hint: "a,b matches both tags. One per line." }),
    lines("paths", "Paths", {
      section,
      advanced,
      hint: "Only snapshots of these paths. One per line.",
    }),
  ];
}

export const SNAPSHOT_HINT = "A snapshot id (or its first 8 characters) or latest.";

function toLines(value: string): string[] | undefined {
  const items = value
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "");
  return items.length > 0 ? items : undefined;
}

function toNumber(value: string): number | string | undefined {
  const trimmed = value.trim();
  if (trimmed === "") return undefined;
  const number = Number(trimmed);
  // Left as text, the schema says what is wrong with it.
  return Number.isFinite(number) ? number : trimmed;
}

/** The params value of one field, or undefined to leave the option out. */
export function fieldValue(control: FieldControl, value: string): unknown {
  switch (control) {
    case "text":
    case "select":
      return value.trim() === "" ? undefined : value.trim();
    case "lines":
      return toLines(value);
    case "number":
      return toNumber(value);
    case "keep":
      return value.trim().toLowerCase() === "unlimited" ? "unlimited" : toNumber(value);
    case "checkbox":
      return value === "true" ? true : undefined;
    case "groupBy":
      if (value === "") return undefined;
      return value === "none" ? [] : value.split(",");
    default: {
      const unknownControl: never = control;
      return unknownControl;
    }
  }
}
