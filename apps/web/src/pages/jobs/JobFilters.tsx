import { JOB_KINDS, JOB_STATES } from "@restic-manager/contracts";
import { DateRangeFields, FilterBar } from "../../components/FilterBar";
import { HostSelectField } from "../../components/HostSelectField";
import { SelectField } from "../../components/ui/Field";
import { useFormValues } from "../../lib/forms";
import { EMPTY_FILTERS, type JobFilterValues } from "./filters";

const KIND_OPTIONS = [
  { value: "", label: "Any kind" },
  ...JOB_KINDS.map((kind) => ({ value: kind, label: kind })),
];
const STATE_OPTIONS = [
  { value: "", label: "Any state" },
  ...JOB_STATES.map((state) => ({ value: state, label: state })),
];

interface JobFiltersProps {
  initial: JobFilterValues;
  onApply: (values: JobFilterValues) => void;
}

export function JobFilters({ initial, onApply }: JobFiltersProps) {
  const { values, bind, setValues } = useFormValues(initial);

  return (
    <FilterBar
      data-testid="job-filters"
      gridClassName="grid grid-cols-2 gap-4 lg:grid-cols-5"
      onApply={() => onApply(values)}
      onClear={() => {
        setValues(EMPTY_FILTERS);
        onApply(EMPTY_FILTERS);
      }}
    >
      <div className="col-span-2 lg:col-span-1">
        <HostSelectField
          label="Host"
          emptyLabel="Any host"
          data-testid="filter-host"
          {...bind("host")}
        />
      </div>
      <SelectField
        label="Kind"
        options={KIND_OPTIONS}
        data-testid="filter-kind"
        {...bind("kind")}
      />
      <SelectField
        label="State"
        options={STATE_OPTIONS}
        data-testid="filter-state"
        {...bind("state")}
      />
      <DateRangeFields bind={bind} />
    </FilterBar>
  );
}
