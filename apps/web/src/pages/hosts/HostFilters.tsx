import { FilterBar } from "../../components/FilterBar";
import { SelectField, TextField } from "../../components/ui/Field";
import { useFormValues } from "../../lib/forms";

/** The filter form's values, as typed and as kept in the address bar; empty means "any". */
export const EMPTY_HOST_FILTERS = { search: "", state: "" };
export type HostFilterValues = typeof EMPTY_HOST_FILTERS;

const HOST_STATES = ["active", "revoked"] as const;
const STATE_OPTIONS = [
  { value: "", label: "Any" },
  { value: "active", label: "Active" },
  { value: "revoked", label: "Revoked" },
];

export function hostFiltersFromSearch(search: URLSearchParams): HostFilterValues {
  return { search: search.get("search") ?? "", state: search.get("state") ?? "" };
}

export function hostFiltersToSearch(values: HostFilterValues): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value.trim() !== ""));
}

/** The `hosts.list` input: the server filters and pages, the page shows what it gets. */
export function toHostsInput(values: HostFilterValues) {
  const state = HOST_STATES.find((known) => known === values.state);
  return { limit: 50, search: values.search.trim() || undefined, state };
}

interface HostFiltersProps {
  initial: HostFilterValues;
  onApply: (values: HostFilterValues) => void;
}

export function HostFilters({ initial, onApply }: HostFiltersProps) {
  const { values, bind, setValues } = useFormValues(initial);
  return (
    <FilterBar
      data-testid="host-filters"
      gridClassName="grid grid-cols-1 gap-4 sm:grid-cols-2"
      onApply={() => onApply(values)}
      onClear={() => {
        setValues(EMPTY_HOST_FILTERS);
        onApply(EMPTY_HOST_FILTERS);
      }}
    >
      <TextField
        label="Name starts with"
        data-testid="filter-search"
        autoComplete="off"
        {...bind("search")}
      />
      <SelectField
        label="State"
        options={STATE_OPTIONS}
        data-testid="filter-state"
        {...bind("state")}
      />
    </FilterBar>
  );
}
