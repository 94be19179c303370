import { AUDIT_ACTIONS } from "@restic-manager/contracts";
import type { FormEvent } from "react";
import { Button } from "../../components/ui/Button";
import { SelectField, TextField } from "../../components/ui/Field";
import { useFormValues } from "../../lib/forms";
import { type AuditFilterValues, EMPTY_FILTERS } from "./filters";

const ACTION_OPTIONS = [
  { value: "", label: "Any action" },
  ...AUDIT_ACTIONS.map((action) => ({ value: action, label: action })),
];
const OUTCOME_OPTIONS = [
  { value: "", label: "Any outcome" },
  { value: "success", label: "Success" },
  { value: "failure", label: "Failure" },
];

export function AuditFilters({ onApply }: { onApply: (values: AuditFilterValues) => void }) {
  const { values, bind, reset } = useFormValues(EMPTY_FILTERS);

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    onApply(values);
  };

  return (
    <form
      onSubmit={onSubmit}
      data-testid="audit-filters"
      className="mb-4 rounded-lg border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900"
    >
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
        <SelectField
          label="Action"
          options={ACTION_OPTIONS}
          data-testid="filter-action"
          {...bind("action")}
        />
        <TextField
          label="Actor"
          placeholder="username"
          data-testid="filter-actor"
          {...bind("actor")}
        />
        <TextField
          label="Target"
          placeholder="name, id or type"
          data-testid="filter-target"
          {...bind("target")}
        />
        <SelectField
          label="Outcome"
          options={OUTCOME_OPTIONS}
          data-testid="filter-outcome"
          {...bind("outcome")}
        />
        <TextField label="From" type="date" data-testid="filter-from" {...bind("from")} />
        <TextField label="To" type="date" data-testid="filter-to" {...bind("to")} />
      </div>
      <div className="mt-4 flex gap-2">
        <Button type="submit" variant="primary" data-testid="filter-apply">
          Apply filters
        </Button>
        <Button
          onClick={() => {
            reset();
            onApply(EMPTY_FILTERS);
          }}
        >
          Clear
        </Button>
      </div>
    </form>
  );
}
