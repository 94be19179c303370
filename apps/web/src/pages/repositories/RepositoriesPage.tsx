import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import { Database, Plus } from "lucide-react";
import { useState } from "react";
import { LoadMoreButton } from "../../components/LoadMoreButton";
import { QueryStatus } from "../../components/QueryStatus";
import { Button } from "../../components/ui/Button";
import { EmptyState } from "../../components/ui/EmptyState";
import { TextField } from "../../components/ui/Field";
import { PageHeader } from "../../components/ui/PageHeader";
import { useRoleAtLeast } from "../../lib/session";
import { useTRPC } from "../../lib/trpc";
import { AddRepositoryDialog } from "./AddRepositoryDialog";
import { RepositoryHealthCard } from "./RepositoryHealthCard";

/** Repositories a page at a time by name (a fleet may give every host its own), searchable. */
export function RepositoriesPage() {
  const trpc = useTRPC();
  const isAdmin = useRoleAtLeast("admin");
  const [search, setSearch] = useState("");
  const repositories = useInfiniteQuery(
    trpc.repositories.list.infiniteQueryOptions(
      { limit: 50, search: search.trim() || undefined },
      { getNextPageParam: (page) => page.nextCursor, placeholderData: keepPreviousData },
    ),
  );
  const items = repositories.data?.pages.flatMap((page) => page.items);
  // More than one page, or a search typed: then the name search is worth its space.
  const searchable =
    search !== "" || repositories.hasNextPage || (repositories.data?.pages.length ?? 0) > 1;
  const [adding, setAdding] = useState(false);

  return (
    <div data-testid="page-repositories" className="space-y-6">
      <PageHeader
        title="Repositories"
        description="Where the backups are stored, and how healthy each one is. Passwords and credentials are kept encrypted and never shown."
        actions={
          isAdmin ? (
            <Button variant="primary" data-testid="add-repository" onClick={() => setAdding(true)}>
              <Plus className="size-4" aria-hidden />
              Add repository
            </Button>
          ) : null
        }
      />
      {searchable ? (
        <div className="max-w-sm">
          <TextField
            label="Name starts with"
            type="search"
            value={search}
            onChange={(event) => setSearch(event.target.value)}
            data-testid="repositories-search"
          />
        </div>
      ) : null}
      <QueryStatus query={repositories} />
      {items?.length === 0 && search !== "" ? (
        <p className="text-sm text-slate-500 dark:text-slate-400" data-testid="repositories-empty">
          No repository’s name starts with “{search.trim()}”.
        </p>
      ) : null}
      {items?.length === 0 && search === "" ? (
        <EmptyState icon={Database} title="No repositories yet">
          {isAdmin
            ? "Add the restic repositories your hosts back up to, such as a rest-server in append-only mode. A host you choose creates the repository, or checks an existing one, as it is added."
            : "An admin adds the restic repositories your hosts back up to; they appear here with their health."}
        </EmptyState>
      ) : null}
      {items && items.length > 0 ? (
        <div className="grid gap-4 xl:grid-cols-2" data-testid="repository-cards">
          {items.map((repository) => (
            <RepositoryHealthCard key={repository.id} repository={repository} />
          ))}
        </div>
      ) : null}
      <LoadMoreButton query={repositories} data-testid="repositories-load-more" />
      {isAdmin ? <AddRepositoryDialog open={adding} onClose={() => setAdding(false)} /> : null}
    </div>
  );
}
