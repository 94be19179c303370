import { ListChecks } from "lucide-react";
import { EmptyState } from "../components/ui/EmptyState";
import { PageHeader } from "../components/ui/PageHeader";

export function JobsPage() {
  return (
    <div data-testid="page-jobs">
      <PageHeader title="Jobs" description="Every restic operation the fleet runs." />
      <EmptyState icon={ListChecks} title="No jobs yet">
        Backups, restores, checks, prunes and every other restic run appear here with their status,
        live progress, who started them and their log.
      </EmptyState>
    </div>
  );
}
