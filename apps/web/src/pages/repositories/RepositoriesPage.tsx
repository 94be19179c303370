import { useQuery } from "@tanstack/react-query";
import { Database, Plus } from "lucide-react";
import { useState } from "react";
import { QueryStatus } from "../../components/QueryStatus";
import { Button } from "../../components/ui/Button";
import { EmptyState } from "../../components/ui/EmptyState";
import { PageHeader } from "../../components/ui/PageHeader";
import { useRoleAtLeast } from "../../lib/session";
import { useTRPC } from "../../lib/trpc";
import { AddRepositoryDialog } from "./AddRepositoryDialog";
import { RepositoryHealthCard } from "./RepositoryHealthCard";

export function RepositoriesPage() {
  const trpc = useTRPC();
  const isAdmin = useRoleAtLeast("admin");
  const repositories = useQuery(trpc.repositories.list.queryOptions());
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
      <QueryStatus query={repositories} />
      {repositories.data?.length === 0 ? (
        <EmptyState icon={Database} title="No repositories yet">
          {isAdmin
            ? "Add the restic repositories your hosts back up to, such as a rest-server in append-only mode. A host you choose creates the repository, or checks an existing one, as it is added."
            : "An admin adds the restic repositories your hosts back up to; they appear here with their health."}
        </EmptyState>
      ) : null}
      {repositories.data && repositories.data.length > 0 ? (
        <div className="grid gap-4 xl:grid-cols-2" data-testid="repository-cards">
          {repositories.data.map((repository) => (
            <RepositoryHealthCard key={repository.id} repository={repository} />
          ))}
        </div>
      ) : null}
      {isAdmin ? <AddRepositoryDialog open={adding} onClose={() => setAdding(false)} /> : null}
    </div>
  );
}
