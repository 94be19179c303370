import { type TJobParams, type TOperationKind, ZJobParams } from "@restic-manager/contracts";
import { type FieldErrors, type Validation, validateNested } from "../../../lib/forms";
import { fieldValue, type OperationField } from "./fields";
import { OPERATIONS } from "./kinds";

export type OperationValues = Record<string, string>;

export function initialValues(kind: TOperationKind): OperationValues {
  return Object.fromEntries(OPERATIONS[kind].fields.map((f) => [f.name, f.initial ?? ""]));
}

function setPath(target: Record<string, unknown>, path: string, value: unknown) {
  const [head, ...rest] = path.split(".");
  if (head === undefined) return;
  if (rest.length === 0) {
    target[head] = value;
    return;
  }
  const child = target[head];
  const nested: Record<string, unknown> =
    typeof child === "object" && child !== null ? { ...child } : {};
  setPath(nested, rest.join("."), value);
  target[head] = nested;
}

/** The form's values as job params, checked against the kind's schema from the contracts. */
export function toJobParams(kind: TOperationKind, values: OperationValues): Validation<TJobParams> {
  const params: Record<string, unknown> = { kind };
  for (const field of OPERATIONS[kind].fields) {
    const value = fieldValue(field.control, values[field.name] ?? "");
    if (value !== undefined) setPath(params, field.name, value);
  }
  const checked = validateNested(ZJobParams, params);
  if (checked.ok) return checked;
  return { ok: false, errors: explainKeepErrors(OPERATIONS[kind].fields, checked.errors) };
}

/** A keep count that is neither a number nor `unlimited` fails a union with no useful text. */
export function explainKeepErrors(fields: OperationField[], errors: FieldErrors): FieldErrors {
  const explained = { ...errors };
  for (const field of fields) {
    if (field.control === "keep" && explained[field.name]) {
      explained[field.name] = "Enter a whole number or “unlimited”";
    }
  }
  return explained;
}
