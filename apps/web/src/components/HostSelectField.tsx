import type { SelectHTMLAttributes } from "react";
import { useHostChoices } from "../lib/useChoices";
import { PagedSelectField } from "./PagedSelectField";

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
  activeOnly = false,
  showOnline = false,
  ...select
}: HostSelectFieldProps) {
  const choices = useHostChoices(select.value, { activeOnly });
  return (
    <PagedSelectField
      choices={choices}
      optionOf={(host) => ({
        value: host.id,
        label: showOnline ? `${host.name} (${host.online ? "online" : "offline"})` : host.name,
      })}
      searchPlaceholder="Find a host by name…"
      searchTestId="host-search"
      {...select}
    />
  );
}
