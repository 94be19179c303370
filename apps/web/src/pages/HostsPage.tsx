import { Server } from "lucide-react";
import { EmptyState } from "../components/ui/EmptyState";
import { PageHeader } from "../components/ui/PageHeader";

export function HostsPage() {
  return (
    <div data-testid="page-hosts">
      <PageHeader title="Hosts" description="The endpoints whose files you back up." />
      <EmptyState icon={Server} title="No hosts enrolled">
        Endpoints you enroll appear here with their status, OS, agent and restic versions and their
        last backup.
      </EmptyState>
    </div>
  );
}
