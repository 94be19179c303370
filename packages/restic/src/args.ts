import type { TSnapshotFilter } from "@restic-manager/contracts";

/**
 * Flags are always written `--name=value`: a value that starts with `-` (an exclude pattern,
 * a path) can then never be read as another flag. Positional arguments go after `--`.
 * Nothing here depends on the OS the agent runs on: a Windows path is passed through as is.
 */
export function flag(name: string, value: string | number): string {
  return `--${name}=${value}`;
}

export function flags(name: string, values: readonly (string | number)[] | undefined): string[] {
  return (values ?? []).map((value) => flag(name, value));
}

export function optionalFlag(name: string, value: string | number | undefined): string[] {
  return value === undefined ? [] : [flag(name, value)];
}

export function switchFlag(name: string, on: boolean | undefined): string[] {
  return on === true ? [`--${name}`] : [];
}

export function filterFlags(filter: TSnapshotFilter): string[] {
  return [
    ...flags("host", filter.hosts),
    ...flags("tag", filter.tags),
    ...flags("path", filter.paths),
  ];
}
