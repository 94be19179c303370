import { CheckboxField, SelectField, TextAreaField, TextField } from "../../../components/ui/Field";
import type { FieldErrors } from "../../../lib/forms";
import type { OperationField } from "./fields";
import type { OperationValues } from "./params";

interface OperationFieldsProps {
  fields: OperationField[];
  values: OperationValues;
  errors: FieldErrors;
  onChange: (name: string, value: string) => void;
}

/** The options of one kind of operation, grouped under their section headings. */
export function OperationFields({ fields, values, errors, onChange }: OperationFieldsProps) {
  const sections = [...new Set(fields.map((field) => field.section ?? ""))];
  return (
    <div className="space-y-5">
      {sections.map((section) => (
        <fieldset key={section} className="space-y-3">
          {section ? (
            <legend className="mb-3 text-xs font-medium tracking-wider text-slate-500 uppercase dark:text-slate-400">
              {section}
            </legend>
          ) : null}
          <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
            {fields
              .filter((field) => (field.section ?? "") === section)
              .map((field) => (
                <OperationInput
                  key={field.name}
                  field={field}
                  value={values[field.name] ?? ""}
                  error={errors[field.name]}
                  onChange={(value) => onChange(field.name, value)}
                />
              ))}
          </div>
        </fieldset>
      ))}
    </div>
  );
}

interface OperationInputProps {
  field: OperationField;
  value: string;
  error: string | undefined;
  onChange: (value: string) => void;
}

function OperationInput({ field, value, error, onChange }: OperationInputProps) {
  const common = {
    label: field.label,
    hint: field.hint,
    error,
    name: field.name,
    "data-testid": `op-field-${field.name}`,
  };
  switch (field.control) {
    case "checkbox":
      return (
        <CheckboxField
          {...common}
          checked={value === "true"}
          onChange={(event) => onChange(event.target.checked ? "true" : "")}
        />
      );
    case "lines":
      return (
        <TextAreaField
          {...common}
          placeholder={field.placeholder}
          value={value}
          onChange={(event) => onChange(event.target.value)}
        />
      );
    case "select":
    case "groupBy":
      return (
        <SelectField
          {...common}
          options={field.options ?? []}
          value={value}
          onChange={(event) => onChange(event.target.value)}
        />
      );
    case "number":
      return (
        <TextField
          {...common}
          type="number"
          inputMode="numeric"
          min={1}
          placeholder={field.placeholder}
          value={value}
          onChange={(event) => onChange(event.target.value)}
        />
      );
    case "text":
    case "keep":
      return (
        <TextField
          {...common}
          autoComplete="off"
          placeholder={field.placeholder}
          value={value}
          onChange={(event) => onChange(event.target.value)}
        />
      );
    default: {
      const unknownControl: never = field.control;
      return unknownControl;
    }
  }
}
