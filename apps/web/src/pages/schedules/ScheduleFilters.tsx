import { SCHEDULE_KINDS } from "@restic-manager/contracts";
import { RepositorySelectField } from "../../components/ChoiceFields";
import { FilterBar } from "../../components/FilterBar";
import { HostSelectField } from "../../components/HostSelectField";
import { SelectField } from "../../components/ui/Field";
import { useFormValues } from "../../lib/forms";
import { useRepositoryChoices } from "../../lib/useChoices";
import { EMPTY_SCHEDULE_FILTERS, type ScheduleFilterValues } from "./filters";
import { KIND_LABELS } from "./scheduleForm";

const KIND_OPTIONS = [
  { value: "", label: "Any kind" },
  ...SCHEDULE_KINDS.map((kind) => ({ value: kind, label: KIND_LABELS[kind].label })),
];
const STATUS_OPTIONS = [
  { value: "", label: "Paused or not" },
  { value: "active", label: "Not paused" },
  { value: "paused", label: "Paused" },
];

interface ScheduleFiltersProps {
  initial: ScheduleFilterValues;
  onApply: (values: ScheduleFilterValues) => void;
}

export function ScheduleFilters({ initial, onApply }: ScheduleFiltersProps) {
  const { values, bind, setValues } = useFormValues(initial);
  const repositories = useRepositoryChoices(values.repository);

  return (
    <FilterBar
      data-testid="schedule-filters"
      gridClassName="grid grid-cols-2 gap-4 lg:grid-cols-4"
      onApply={() => onApply(values)}
      onClear={() => {
        setValues(EMPTY_SCHEDULE_FILTERS);
        onApply(EMPTY_SCHEDULE_FILTERS);
      }}
    >
      <HostSelectField
        label="Host"
        emptyLabel="Any host"
        data-testid="filter-host"
        {...bind("host")}
      />
      <RepositorySelectField
        label="Repository"
        emptyLabel="Any repository"
        choices={repositories}
        data-testid="filter-repository"
        {...bind("repository")}
      />
      <SelectField
        label="Kind"
        options={KIND_OPTIONS}
        data-testid="filter-kind"
        {...bind("kind")}
      />
      <SelectField
        label="Status"
        options={STATUS_OPTIONS}
        data-testid="filter-status"
        {...bind("status")}
      />
    </FilterBar>
  );
}
