import { Bell } from "lucide-react";
import { EmptyState } from "../components/ui/EmptyState";
import { PageHeader } from "../components/ui/PageHeader";

export function AlertsPage() {
  return (
    <div data-testid="page-alerts">
      <PageHeader title="Alerts" description="Problems that need someone's attention." />
      <EmptyState icon={Bell} title="No alerts">
        Failed jobs, stale backups, offline agents, failed checks and long-held locks raise alerts
        here, where you can acknowledge them and watch them resolve.
      </EmptyState>
    </div>
  );
}
