import type { BackupSet, RepositorySummary } from "../lib/api-types";
import { PagedSelectField, type PagedSelectFieldProps } from "./PagedSelectField";

type ChoiceFieldProps<T> = Omit<
  PagedSelectFieldProps<T>,
  "optionOf" | "searchPlaceholder" | "searchTestId"
>;

/** A repository picker over pages of repositories by name (see useRepositoryChoices). */
export function RepositorySelectField(props: ChoiceFieldProps<RepositorySummary>) {
  return (
    <PagedSelectField
      optionOf={(repository) => ({ value: repository.id, label: repository.name })}
      searchPlaceholder="Find a repository by name…"
      searchTestId="repository-search"
      {...props}
    />
  );
}

/** A backup-set picker over pages of sets by name (see useBackupSetChoices). */
export function BackupSetSelectField(props: ChoiceFieldProps<BackupSet>) {
  return (
    <PagedSelectField
      optionOf={(set) => ({ value: set.id, label: `${set.name} on ${set.hostName}` })}
      searchPlaceholder="Find a backup set by name…"
      searchTestId="backup-set-search"
      {...props}
    />
  );
}
