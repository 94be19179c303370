import type { HostListItem as Host } from "../../lib/api-types";

/** Hosts that can run a job, online ones first, for the selects that pick one. */
export function hostChoices(hosts: readonly Host[] | undefined, empty: string) {
  const usable = (hosts ?? [])
    .filter((host) => host.revokedAt === null)
    .toSorted((a, b) => Number(b.online) - Number(a.online) || a.name.localeCompare(b.name));
  return [
    { value: "", label: empty },
    ...usable.map((host) => ({
      value: host.id,
      label: `${host.name} (${host.online ? "online" : "offline"})`,
    })),
  ];
}
