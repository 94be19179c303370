import { BackupSetSelectField } from "../../components/ChoiceFields";
import { DateRangeFields, FilterBar } from "../../components/FilterBar";
import { HostSelectField } from "../../components/HostSelectField";
import { TextField } from "../../components/ui/Field";
import { useFormValues } from "../../lib/forms";
import { useBackupSetChoices } from "../../lib/useChoices";
import { EMPTY_SNAPSHOT_FILTERS, type SnapshotFilterValues } from "./filters";

interface SnapshotFiltersProps {
  repositoryId: string;
  initial: SnapshotFilterValues;
  onApply: (values: SnapshotFilterValues) => void;
}

export function SnapshotFilters({ repositoryId, initial, onApply }: SnapshotFiltersProps) {
  const { values, bind, setValues } = useFormValues(initial);
  const sets = useBackupSetChoices(values.set, { repositoryId });

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
      <BackupSetSelectField
        label="Backup set"
        emptyLabel="Any backup set"
        choices={sets}
        data-testid="filter-set"
        {...bind("set")}
      />
      <TextField label="Tag" placeholder="any" data-testid="filter-tag" {...bind("tag")} />
      <DateRangeFields bind={bind} />
    </FilterBar>
  );
}
