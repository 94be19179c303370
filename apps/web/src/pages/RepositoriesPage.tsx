import { Database } from "lucide-react";
import { EmptyState } from "../components/ui/EmptyState";
import { PageHeader } from "../components/ui/PageHeader";

export function RepositoriesPage() {
  return (
    <div data-testid="page-repositories">
      <PageHeader title="Repositories" description="Where the backups are stored." />
      <EmptyState icon={Database} title="No repositories yet">
        The restic repositories your hosts back up to appear here with their size, deduplication
        ratio, snapshot count, last check and lock state.
      </EmptyState>
    </div>
  );
}
