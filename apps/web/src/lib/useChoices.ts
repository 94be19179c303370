import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import type { BackupSet, HostListItem, RepositorySummary } from "./api-types";
import { useTRPC } from "./trpc";

/**
 * What the pickers offer: one page from the server, by name, searched by a name prefix, and the
 * chosen item read by itself when it is not on that page. No picker reads a whole list.
 */

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

/** The search box's text, and the name prefix the server is asked for. */
function useSearch() {
  const [search, setSearch] = useState("");
  return { search, setSearch, prefix: search.trim() || undefined };
}

/** A page of choices keeps showing while the next search's page loads. */
const PAGE_OPTIONS = { placeholderData: keepPreviousData };

function choicesFrom<T extends { id: string }>(
  value: string,
  { search, setSearch }: ReturnType<typeof useSearch>,
  page: { data: ChoicePage<T> | undefined; isPending: boolean },
  chosen: { data: T | undefined },
): Choices<T> {
  return choicesOf({
    value,
    page: page.data,
    chosen: chosen.data,
    search,
    setSearch,
    pending: page.isPending,
  });
}

export function useHostChoices(value: string, { activeOnly = false } = {}): Choices<HostListItem> {
  const trpc = useTRPC();
  const search = useSearch();
  const state = activeOnly ? ("active" as const) : undefined;
  const page = useQuery(
    trpc.hosts.list.queryOptions(
      { limit: CHOICES_PER_PAGE, search: search.prefix, state },
      PAGE_OPTIONS,
    ),
  );
  const chosen = useQuery(
    trpc.hosts.get.queryOptions({ id: value }, { enabled: chosenMissing(value, page.data) }),
  );
  return choicesFrom(value, search, page, chosen);
}

export function useRepositoryChoices(value: string): Choices<RepositorySummary> {
  const trpc = useTRPC();
  const search = useSearch();
  const page = useQuery(
    trpc.repositories.list.queryOptions(
      { limit: CHOICES_PER_PAGE, search: search.prefix },
      PAGE_OPTIONS,
    ),
  );
  const chosen = useQuery(
    trpc.repositories.get.queryOptions({ id: value }, { enabled: chosenMissing(value, page.data) }),
  );
  return choicesFrom(value, search, page, chosen);
}

export function useBackupSetChoices(
  value: string,
  filter: { hostId?: string; repositoryId?: string } = {},
): Choices<BackupSet> {
  const trpc = useTRPC();
  const search = useSearch();
  const page = useQuery(
    trpc.backupSets.list.queryOptions(
      { ...filter, limit: CHOICES_PER_PAGE, search: search.prefix },
      PAGE_OPTIONS,
    ),
  );
  const chosen = useQuery(
    trpc.backupSets.get.queryOptions({ id: value }, { enabled: chosenMissing(value, page.data) }),
  );
  return choicesFrom(value, search, page, chosen);
}
