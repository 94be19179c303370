import { useQuery } from "@tanstack/react-query";
import { DateRangeFields, FilterBar } from "../../components/FilterBar";
import { HostSelectField } from "../../components/HostSelectField";
import { SelectField, TextField } from "../../components/ui/Field";
import { useFormValues } from "../../lib/forms";
import { useTRPC } from "../../lib/trpc";
import { EMPTY_SNAPSHOT_FILTERS, type SnapshotFilterValues } from "./filters";

interface SnapshotFiltersProps {
  repositoryId: string;
  initial: SnapshotFilterValues;
  onApply: (values: SnapshotFilterValues) => void;
}

export function SnapshotFilters({ repositoryId, initial, onApply }: SnapshotFiltersProps) {
  const trpc = useTRPC();
  const sets = useQuery(trpc.backupSets.list.queryOptions({ repositoryId }));
  const { values, bind, setValues } = useFormValues(initial);
  const setOptions = [
    { value: "", label: "Any backup set" },
    ...(sets.data ?? []).map((set) => ({ value: set.id, label: `${set.name} on ${set.hostName}` })),
  ];

  return (
    <FilterBar
      data-testid="snapshot-filters"
      gridClassName="grid grid-cols-2 gap-4 lg:grid-cols-5"
      onApply={() => onApply(values)}
      onClear={() => {
        setValues(EMPTY_SNAPSHOT_FILTERS);
        onApply(EMPTY_SNAPSHOT_FILTERS);
      }}
    >
      <HostSelectField
        label="Host"
        emptyLabel="Any host"
        data-testid="filter-host"
        {...bind("host")}
      />
      <SelectField
        label="Backup set"
        options={setOptions}
        data-testid="filter-set"
        {...bind("set")}
      />
      <TextField label="Tag" placeholder="any" data-testid="filter-tag" {...bind("tag")} />
      <DateRangeFields bind={bind} />
    </FilterBar>
  );
}
