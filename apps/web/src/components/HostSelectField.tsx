import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { type SelectHTMLAttributes, useState } from "react";
import { useTRPC } from "../lib/trpc";
import { SelectField } from "./ui/Field";

/** Hosts offered at once; a fleet larger than this is searched by name on the server. */
const CHOICES = 50;

interface HostSelectFieldProps extends SelectHTMLAttributes<HTMLSelectElement> {
  label: string;
  /** The first option, for "any host" or "choose a host". */
  emptyLabel: string;
  value: string;
  error?: string | undefined;
  hint?: string;
  /** Leaves revoked hosts out (for a host that is to run something). */
  activeOnly?: boolean;
  /** Says each host's connection beside its name. */
  showOnline?: boolean;
}

/**
 * A host picker that asks the server for one page of hosts by name: the first ones, or those
 * whose name starts with what is typed in its search box (shown once there are more hosts than
 * one page). The chosen host stays offered whatever the search.
 */
export function HostSelectField({
  label,
  emptyLabel,
  value,
  activeOnly = false,
  showOnline = false,
  ...select
}: HostSelectFieldProps) {
  const trpc = useTRPC();
  const [search, setSearch] = useState("");
  const page = useQuery(
    trpc.hosts.list.queryOptions(
      {
        limit: CHOICES,
        search: search.trim() || undefined,
        state: activeOnly ? "active" : undefined,
      },
      { placeholderData: keepPreviousData },
    ),
  );
  const listed = page.data?.items ?? [];
  const chosenListed = value === "" || listed.some((host) => host.id === value);
  const chosen = useQuery(trpc.hosts.get.queryOptions({ id: value }, { enabled: !chosenListed }));
  const hosts = !chosenListed && chosen.data ? [chosen.data, ...listed] : listed;
  const searchable = search !== "" || Boolean(page.data?.nextCursor);
  const options = [
    { value: "", label: emptyLabel },
    ...hosts.map((host) => ({
      value: host.id,
      label: showOnline ? `${host.name} (${host.online ? "online" : "offline"})` : host.name,
    })),
  ];

  return (
    <div className="space-y-2">
      <SelectField label={label} options={options} value={value} {...select} />
      {searchable ? (
        <input
          type="search"
          value={search}
          onChange={(event) => setSearch(event.target.value)}
          placeholder="Find a host by name…"
          aria-label={`${label}: find by name`}
          data-testid="host-search"
          className="block w-full rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm text-slate-900 shadow-sm placeholder:text-slate-400 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100 dark:placeholder:text-slate-500"
        />
      ) : null}
    </div>
  );
}
