import { CalendarClock } from "lucide-react";
import { EmptyState } from "../components/ui/EmptyState";
import { PageHeader } from "../components/ui/PageHeader";

export function SchedulesPage() {
  return (
    <div data-testid="page-schedules">
      <PageHeader title="Schedules" description="When backups, forgets and checks run." />
      <EmptyState icon={CalendarClock} title="No schedules yet">
        Each host's backup sets appear here with their paths, cron schedule, retention policy and
        next run times.
      </EmptyState>
    </div>
  );
}
