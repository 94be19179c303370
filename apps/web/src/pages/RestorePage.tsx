import { History } from "lucide-react";
import { EmptyState } from "../components/ui/EmptyState";
import { PageHeader } from "../components/ui/PageHeader";

export function RestorePage() {
  return (
    <div data-testid="page-restore">
      <PageHeader title="Restore" description="Get files back from a snapshot." />
      <EmptyState icon={History} title="Nothing to restore from yet">
        Once hosts have snapshots, pick a host and a snapshot here to browse its files and restore
        them to their original place or a new one.
      </EmptyState>
    </div>
  );
}
