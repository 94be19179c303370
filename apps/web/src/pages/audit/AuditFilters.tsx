import { AUDIT_ACTIONS } from "@restic-manager/contracts";
import { DateRangeFields, FilterBar } from "../../components/FilterBar";
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

  return (
    <FilterBar
      data-testid="audit-filters"
      gridClassName="grid gap-4 sm:grid-cols-2 lg:grid-cols-3"
      onApply={() => onApply(values)}
      onClear={() => {
        reset();
        onApply(EMPTY_FILTERS);
      }}
    >
      <SelectField
        label="Action"
        options={ACTION_OPTIONS}
        data-testid="filter-action"
        {...bind("action")}
      />
      <TextField
        label="Actor"
        placeholder="exact username"
        data-testid="filter-actor"
        {...bind("actor")}
      />
      <TextField
        label="Target"
        placeholder="exact name or id"
        data-testid="filter-target"
        {...bind("target")}
      />
      <SelectField
        label="Outcome"
        options={OUTCOME_OPTIONS}
        data-testid="filter-outcome"
        {...bind("outcome")}
      />
      <DateRangeFields bind={bind} />
    </FilterBar>
  );
}
