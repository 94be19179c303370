import { Suspense } from "react";
import { NavLink, Outlet } from "react-router";
import { PageHeader } from "../../components/ui/PageHeader";
import { useSession } from "../../lib/session";

const TABS = [
  { to: "/settings", label: "Your account", adminOnly: false, testId: "tab-account" },
  { to: "/settings/users", label: "Users", adminOnly: true, testId: "tab-users" },
  { to: "/settings/tokens", label: "API tokens", adminOnly: true, testId: "tab-tokens" },
  { to: "/settings/alerts", label: "Alerts", adminOnly: true, testId: "tab-alerts" },
  { to: "/settings/backups", label: "Server backups", adminOnly: true, testId: "tab-backups" },
];

export function SettingsLayout() {
  const user = useSession();
  const tabs = TABS.filter((tab) => !tab.adminOnly || user.role === "admin");
  return (
    <div>
      <PageHeader
        title="Settings"
        description="Your account, and for admins who may sign in and how, where alerts go and the server's own backups."
      />
      {tabs.length > 1 ? (
        <nav
          aria-label="Settings"
          className="mb-6 flex gap-1 overflow-x-auto border-b border-slate-200 dark:border-slate-800"
        >
          {tabs.map((tab) => (
            <NavLink
              key={tab.to}
              to={tab.to}
              end
              data-testid={tab.testId}
              className={({ isActive }) =>
                `-mb-px border-b-2 px-3 py-2 text-sm font-medium whitespace-nowrap transition-colors ${
                  isActive
                    ? "border-teal-600 text-teal-700 dark:border-teal-400 dark:text-teal-300"
                    : "border-transparent text-slate-500 hover:text-slate-800 dark:text-slate-400 dark:hover:text-slate-200"
                }`
              }
            >
              {tab.label}
            </NavLink>
          ))}
        </nav>
      ) : null}
      <Suspense fallback={<p className="text-sm text-slate-500">Loading…</p>}>
        <Outlet />
      </Suspense>
    </div>
  );
}
