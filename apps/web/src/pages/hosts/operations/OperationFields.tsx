import type { FieldErrors } from "../../../lib/forms";
import type { OperationField } from "./fields";
import { OperationInput } from "./OperationInput";
import type { OperationValues } from "./params";

interface OperationFieldsProps {
  fields: OperationField[];
  values: OperationValues;
  errors: FieldErrors;
  onChange: (name: string, value: string) => void;
  /** Prefix of each input's data-testid, so two forms on one page stay apart. */
  testIdPrefix?: string;
}

/**
 * The options of one kind of operation, grouped under their section headings; the rarely
 * needed ones fold away under "More options" unless one of them needs attention.
 */
export function OperationFields(props: OperationFieldsProps) {
  const main = props.fields.filter((field) => !field.advanced);
  const advanced = props.fields.filter((field) => field.advanced);
  const advancedError = advanced.some((field) => props.errors[field.name]);
  return (
    <div className="space-y-5">
      <Sections {...props} fields={main} />
      {advanced.length > 0 ? (
        <details
          open={advancedError || undefined}
          className="group rounded-md border border-slate-200 dark:border-slate-800"
        >
          <summary
            data-testid={`${props.testIdPrefix ?? "op-"}more-options`}
            className="cursor-pointer px-4 py-2.5 text-sm font-medium text-slate-700 select-none dark:text-slate-300"
          >
            More options
          </summary>
          <div className="border-t border-slate-200 p-4 dark:border-slate-800">
            <Sections {...props} fields={advanced} />
          </div>
        </details>
      ) : null}
    </div>
  );
}

function Sections({ fields, values, errors, onChange, testIdPrefix }: OperationFieldsProps) {
  const sections = [...new Set(fields.map((field) => field.section ?? ""))];
  const input = (field: OperationField) => (
    <OperationInput
      key={field.name}
      field={field}
      value={values[field.name] ?? ""}
      error={errors[field.name]}
      onChange={(value) => onChange(field.name, value)}
      testIdPrefix={testIdPrefix}
    />
  );
  return (
    <div className="space-y-5">
      {sections.map((section) => {
        const inSection = fields.filter((field) => (field.section ?? "") === section);
        const inputs = inSection.filter((field) => field.control !== "checkbox");
        const checkboxes = inSection.filter((field) => field.control === "checkbox");
        return (
          <fieldset key={section} className="space-y-4">
            {section ? (
              <legend className="mb-3 text-xs font-medium tracking-wider text-slate-500 uppercase dark:text-slate-400">
                {section}
              </legend>
            ) : null}
            {inputs.length > 0 ? (
              <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">{inputs.map(input)}</div>
            ) : null}
            {checkboxes.length > 0 ? (
              <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3">
                {checkboxes.map(input)}
              </div>
            ) : null}
          </fieldset>
        );
      })}
    </div>
  );
}
