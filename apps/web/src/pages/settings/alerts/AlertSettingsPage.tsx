import { AlertRulesCard } from "./AlertRulesCard";
import { ChannelsCard } from "./ChannelsCard";

/** Settings → Alerts (admins): what raises an alert, and where the messages go. */
export function AlertSettingsPage() {
  return (
    <div data-testid="page-alert-settings" className="space-y-6">
      <ChannelsCard />
      <AlertRulesCard />
    </div>
  );
}
