import type { ReactNode, SelectHTMLAttributes } from "react";
import type { Choices } from "../lib/useChoices";
import { SelectField } from "./ui/Field";

export interface PagedSelectFieldProps<T> extends SelectHTMLAttributes<HTMLSelectElement> {
  label: string;
  /** The first option, for "any" or "choose one"; none when a value is always chosen. */
  emptyLabel?: string;
  value: string;
  error?: string | undefined;
  hint?: ReactNode;
  choices: Choices<T>;
  optionOf: (item: T) => { value: string; label: string };
  /** What the search box matches, e.g. "Find a host by name…". */
  searchPlaceholder: string;
  searchTestId: string;
}

/**
 * A select over one page of server results, with a search box (a name prefix, searched on the
 * server) once there is more than a page. The chosen item stays offered whatever the search.
 */
export function PagedSelectField<T>({
  label,
  emptyLabel,
  choices,
  optionOf,
  searchPlaceholder,
  searchTestId,
  ...select
}: PagedSelectFieldProps<T>) {
  const options = [
    ...(emptyLabel === undefined ? [] : [{ value: "", label: emptyLabel }]),
    ...choices.items.map(optionOf),
  ];
  return (
    <div className="space-y-2">
      <SelectField label={label} options={options} {...select} />
      <ChoiceSearch
        choices={choices}
        label={label}
        placeholder={searchPlaceholder}
        testId={searchTestId}
      />
    </div>
  );
}

/** The search box of a picker over server pages: shown once there is more than one page. */
export function ChoiceSearch<T>({
  choices,
  label,
  placeholder,
  testId,
}: {
  choices: Choices<T>;
  label: string;
  placeholder: string;
  testId: string;
}) {
  if (!choices.searchable) return null;
  return (
    <input
      type="search"
      value={choices.search}
      onChange={(event) => choices.setSearch(event.target.value)}
      placeholder={placeholder}
      aria-label={`${label}: find by name`}
      data-testid={testId}
      className="block w-full rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm text-slate-900 shadow-sm placeholder:text-slate-400 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100 dark:placeholder:text-slate-500"
    />
  );
}
