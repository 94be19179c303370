import { LayoutDashboard } from "lucide-react";
import { EmptyState } from "../components/ui/EmptyState";
import { PageHeader } from "../components/ui/PageHeader";

export function DashboardPage() {
  return (
    <div data-testid="page-dashboard">
      <PageHeader title="Dashboard" description="Fleet status at a glance." />
      <EmptyState icon={LayoutDashboard} title="Nothing to summarise yet">
        Once hosts are enrolled and backing up, this page shows how many are online, the latest job
        results, open alerts and the health of each repository.
      </EmptyState>
    </div>
  );
}
