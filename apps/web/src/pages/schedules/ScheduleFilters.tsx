import { SCHEDULE_KINDS } from "@restic-manager/contracts";
import { useQuery } from "@tanstack/react-query";
import { FilterBar } from "../../components/FilterBar";
import { HostSelectField } from "../../components/HostSelectField";
import { SelectField } from "../../components/ui/Field";
import { useFormValues } from "../../lib/forms";
import { useTRPC } from "../../lib/trpc";
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
  const trpc = useTRPC();
  const repositories = useQuery(trpc.repositories.list.queryOptions());
  const { values, bind, setValues } = useFormValues(initial);
  const repositoryOptions = [
    { value: "", label: "Any repository" },
    ...(repositories.data ?? []).map((r) => ({ value: r.id, label: r.name })),
  ];

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
      <SelectField
        label="Repository"
        options={repositoryOptions}
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
