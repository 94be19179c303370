import { FilterBar } from "../../components/FilterBar";
import { HostSelectField } from "../../components/HostSelectField";
import { SelectField } from "../../components/ui/Field";
import { useFormValues } from "../../lib/forms";
import { type AlertFilterValues, EMPTY_ALERT_FILTERS } from "./filters";
import { KIND_OPTIONS, SEVERITY_OPTIONS } from "./labels";

interface AlertFiltersProps {
  initial: AlertFilterValues;
  onApply: (values: AlertFilterValues) => void;
}

export function AlertFilters({ initial, onApply }: AlertFiltersProps) {
  const { values, bind, setValues } = useFormValues(initial);

  return (
    <FilterBar
      data-testid="alert-filters"
      gridClassName="grid grid-cols-1 gap-4 sm:grid-cols-3"
      onApply={() => onApply(values)}
      onClear={() => {
        setValues(EMPTY_ALERT_FILTERS);
        onApply(EMPTY_ALERT_FILTERS);
      }}
    >
      <SelectField
        label="Kind"
        options={[{ value: "", label: "Any kind" }, ...KIND_OPTIONS]}
        data-testid="filter-kind"
        {...bind("kind")}
      />
      <SelectField
        label="Severity"
        options={[{ value: "", label: "Any severity" }, ...SEVERITY_OPTIONS]}
        data-testid="filter-severity"
        {...bind("severity")}
      />
      <HostSelectField
        label="Host"
        emptyLabel="Any host"
        data-testid="filter-host"
        {...bind("host")}
      />
    </FilterBar>
  );
}
