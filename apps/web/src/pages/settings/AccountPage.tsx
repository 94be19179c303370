import { AppearanceCard } from "./AppearanceCard";
import { ChangePasswordCard } from "./ChangePasswordCard";
import { SessionsCard } from "./SessionsCard";

export function AccountPage() {
  return (
    <div className="grid items-start gap-6 lg:grid-cols-2" data-testid="page-account">
      <ChangePasswordCard />
      <AppearanceCard />
      <div className="lg:col-span-2">
        <SessionsCard />
      </div>
    </div>
  );
}
