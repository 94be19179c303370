import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import {
  CHOICES_PER_PAGE,
  type Choices,
  choicesOf,
  chosenMissing,
} from "../components/PagedSelectField";
import type { BackupSet, HostListItem, RepositorySummary } from "./api-types";
import { useTRPC } from "./trpc";

/**
 * What the pickers offer: one page from the server, by name, searched by a name prefix, and the
 * chosen item read by itself when it is not on that page. No picker reads a whole list.
 */

const searchOf = (search: string) => search.trim() || undefined;

export function useHostChoices(value: string, { activeOnly = false } = {}): Choices<HostListItem> {
  const trpc = useTRPC();
  const [search, setSearch] = useState("");
  const page = useQuery(
    trpc.hosts.list.queryOptions(
      {
        limit: CHOICES_PER_PAGE,
        search: searchOf(search),
        state: activeOnly ? "active" : undefined,
      },
      { placeholderData: keepPreviousData },
    ),
  );
  const chosen = useQuery(
    trpc.hosts.get.queryOptions({ id: value }, { enabled: chosenMissing(value, page.data) }),
  );
  return choicesOf({
    value,
    page: page.data,
    chosen: chosen.data,
    search,
    setSearch,
    pending: page.isPending,
  });
}

export function useRepositoryChoices(value: string): Choices<RepositorySummary> {
  const trpc = useTRPC();
  const [search, setSearch] = useState("");
  const page = useQuery(
    trpc.repositories.list.queryOptions(
      { limit: CHOICES_PER_PAGE, search: searchOf(search) },
      { placeholderData: keepPreviousData },
    ),
  );
  const chosen = useQuery(
    trpc.repositories.get.queryOptions({ id: value }, { enabled: chosenMissing(value, page.data) }),
  );
  return choicesOf({
    value,
    page: page.data,
    chosen: chosen.data,
    search,
    setSearch,
    pending: page.isPending,
  });
}

export function useBackupSetChoices(
  value: string,
  filter: { hostId?: string; repositoryId?: string } = {},
): Choices<BackupSet> {
  const trpc = useTRPC();
  const [search, setSearch] = useState("");
  const page = useQuery(
    trpc.backupSets.list.queryOptions(
      { ...filter, limit: CHOICES_PER_PAGE, search: searchOf(search) },
      { placeholderData: keepPreviousData },
    ),
  );
  const chosen = useQuery(
    trpc.backupSets.get.queryOptions({ id: value }, { enabled: chosenMissing(value, page.data) }),
  );
  return choicesOf({
    value,
    page: page.data,
    chosen: chosen.data,
    search,
    setSearch,
    pending: page.isPending,
  });
}
