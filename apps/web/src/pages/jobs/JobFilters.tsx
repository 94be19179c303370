import { JOB_KINDS, JOB_STATES } from "@restic-manager/contracts";
import { useQuery } from "@tanstack/react-query";
import { DateRangeFields, FilterBar } from "../../components/FilterBar";
import { SelectField } from "../../components/ui/Field";
import { useFormValues } from "../../lib/forms";
import { useTRPC } from "../../lib/trpc";
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
  const trpc = useTRPC();
  const hosts = useQuery(trpc.hosts.list.queryOptions({ limit: 200 }));
  const { values, bind, setValues } = useFormValues(initial);
  const hostOptions = [
    { value: "", label: "Any host" },
    ...(hosts.data?.items ?? []).map((host) => ({ value: host.id, label: host.name })),
  ];

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
        <SelectField
          label="Host"
          options={hostOptions}
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
