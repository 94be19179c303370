import type { ReactNode, SelectHTMLAttributes } from "react";
import { SelectField } from "./ui/Field";

/** Choices offered at once; more than this are searched by name on the server. */
export const CHOICES_PER_PAGE = 50;

/** One page of a list as the server sends it. */
export interface ChoicePage<T> {
  items: T[];
  nextCursor: string | null;
}

/** What a picker offers: a page of items, the chosen one among them, and its search box. */
export interface Choices<T> {
  items: T[];
  chosen: T | undefined;
  search: string;
  setSearch: (search: string) => void;
  /** The search box shows once there is more than one page, or a search is typed. */
  searchable: boolean;
  pending: boolean;
}

/**
 * Whether the chosen value must be read by itself: it is not on the page the server sent for
 * the current search (a repository or set beyond the first page, or filtered out by the search).
 */
export function chosenMissing<T extends { id: string }>(
  value: string,
  page: ChoicePage<T> | undefined,
): boolean {
  return value !== "" && page !== undefined && !page.items.some((item) => item.id === value);
}

/** The page's items with the chosen one first when the page does not hold it. */
export function choicesOf<T extends { id: string }>(input: {
  value: string;
  page: ChoicePage<T> | undefined;
  chosen: T | undefined;
  search: string;
  setSearch: (search: string) => void;
  pending: boolean;
}): Choices<T> {
  const listed = input.page?.items ?? [];
  const missing = chosenMissing(input.value, input.page) && input.chosen ? input.chosen : null;
  const items = missing ? [missing, ...listed] : listed;
  return {
    items,
    chosen: items.find((item) => item.id === input.value),
    search: input.search,
    setSearch: input.setSearch,
    searchable: input.search !== "" || Boolean(input.page?.nextCursor),
    pending: input.pending,
  };
}

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
      {choices.searchable ? (
        <input
          type="search"
          value={choices.search}
          onChange={(event) => choices.setSearch(event.target.value)}
          placeholder={searchPlaceholder}
          aria-label={`${label}: find by name`}
          data-testid={searchTestId}
          className="block w-full rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm text-slate-900 shadow-sm placeholder:text-slate-400 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100 dark:placeholder:text-slate-500"
        />
      ) : null}
    </div>
  );
}
