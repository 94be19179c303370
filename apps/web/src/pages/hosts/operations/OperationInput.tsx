import { CheckboxField, SelectField, TextAreaField, TextField } from "../../../components/ui/Field";
import type { OperationField } from "./fields";

interface OperationInputProps {
  field: OperationField;
  value: string;
  error: string | undefined;
  onChange: (value: string) => void;
  testIdPrefix?: string | undefined;
}

export function OperationInput({
  field,
  value,
  error,
  onChange,
  testIdPrefix = "op-",
}: OperationInputProps) {
  const common = {
    label: field.label,
    hint: field.hint,
    error,
    name: field.name,
    "data-testid": `${testIdPrefix}field-${field.name}`,
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
