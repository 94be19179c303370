import { type ChangeEvent, useCallback, useEffect, useRef, useState } from "react";
import { z } from "zod";
import { firstMessages } from "./errors";

export type FieldErrors = Record<string, string>;

export type Validation<T> = { ok: true; data: T } | { ok: false; errors: FieldErrors };

/** Checks form values against a shared contract schema, with one message per field. */
export function validate<S extends z.ZodType>(schema: S, values: unknown): Validation<z.output<S>> {
  const result = schema.safeParse(values);
  if (result.success) return { ok: true, data: result.data };
  return { ok: false, errors: firstMessages(z.flattenError(result.error).fieldErrors) };
}

type FieldElement = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

/** What `bind` gives one input: spread it on the field. */
export interface FieldBinding {
  name: string;
  value: string;
  onChange: (event: ChangeEvent<FieldElement>) => void;
}

/** Controlled string values for a form, and a `bind` that wires one input to them. */
export function useFormValues<T extends Record<string, string>>(initial: T) {
  const [values, setValues] = useState(initial);
  const bind = useCallback(
    (name: keyof T & string) => ({
      name,
      value: values[name],
      onChange: (event: ChangeEvent<FieldElement>) => {
        const { value } = event.target;
        setValues((current) => ({ ...current, [name]: value }));
      },
    }),
    [values],
  );
  const reset = useCallback(() => setValues(initial), [initial]);
  return { values, bind, reset, setValues };
}

/** The "type it again" check that no contract can do: it never leaves the browser. */
export function confirmationErrors(password: string, confirmation: string): FieldErrors {
  return confirmation === password ? {} : { confirm: "The two passwords do not match" };
}

/**
 * `value` once it has stayed the same (as `key` says) for `ms`: a form's live preview asks the
 * server once the typing pauses, not at every key.
 */
export function useSettledValue<T>(value: T, key: string, ms = 300): T {
  const [settled, setSettled] = useState({ key, value });
  const latest = useRef(value);
  latest.current = value;
  useEffect(() => {
    const timer = setTimeout(() => setSettled({ key, value: latest.current }), ms);
    return () => clearTimeout(timer);
  }, [key, ms]);
  return settled.value;
}

/** Seconds left until `deadline` (epoch ms), ticking once a second; 0 when none or passed. */
export function useCountdown(deadline: number | undefined): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    if (deadline === undefined) return;
    setNow(Date.now());
    const timer = setInterval(() => {
      setNow(Date.now());
      if (Date.now() >= deadline) clearInterval(timer);
    }, 1000);
    return () => clearInterval(timer);
  }, [deadline]);
  return deadline === undefined ? 0 : Math.max(0, Math.ceil((deadline - now) / 1000));
}

/**
 * Like `validate`, for nested values such as job params: one message per field, keyed by
 * its dotted path ("policy.keepDaily"); a list item's message names its line; the key ""
 * holds what concerns the form as a whole.
 */
export function validateNested<S extends z.ZodType>(
  schema: S,
  values: unknown,
): Validation<z.output<S>> {
  // A field left empty is missing from the values: say so rather than name a type.
  const result = schema.safeParse(values, {
    error: (issue) => (issue.input === undefined ? "Required" : undefined),
  });
  if (result.success) return { ok: true, data: result.data };
  const errors: FieldErrors = {};
  for (const issue of result.error.issues) {
    const index = issue.path.findIndex((key) => typeof key !== "string");
    const field = (index === -1 ? issue.path : issue.path.slice(0, index)).map(String).join(".");
    const item = index === -1 ? undefined : issue.path[index];
    errors[field] ??=
      typeof item === "number" ? `Line ${item + 1}: ${issue.message}` : issue.message;
  }
  return { ok: false, errors };
}
