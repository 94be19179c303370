import { type ComponentType, lazy } from "react";
import { Route, Routes } from "react-router";
import { RequireAdmin } from "./RequireAdmin";
import { Shell } from "./Shell";

/** A page loaded when first opened, so the first screen does not wait for every other one. */
function page<K extends string>(load: () => Promise<Record<K, ComponentType>>, name: K) {
  return lazy(() => load().then((module) => ({ default: module[name] })));
}

const AccountPage = page(() => import("../pages/settings/AccountPage"), "AccountPage");
const AlertPage = page(() => import("../pages/alerts/AlertPage"), "AlertPage");
const AlertsPage = page(() => import("../pages/alerts/AlertsPage"), "AlertsPage");
const AlertSettingsPage = page(
  () => import("../pages/settings/alerts/AlertSettingsPage"),
  "AlertSettingsPage",
);
const ApiTokensPage = page(() => import("../pages/settings/ApiTokensPage"), "ApiTokensPage");
const AuditPage = page(() => import("../pages/audit/AuditPage"), "AuditPage");
const DashboardPage = page(() => import("../pages/dashboard/DashboardPage"), "DashboardPage");
const HostPage = page(() => import("../pages/hosts/HostPage"), "HostPage");
const HostsPage = page(() => import("../pages/hosts/HostsPage"), "HostsPage");
const JobPage = page(() => import("../pages/jobs/JobPage"), "JobPage");
const JobsPage = page(() => import("../pages/jobs/JobsPage"), "JobsPage");
const NotFoundPage = page(() => import("../pages/NotFoundPage"), "NotFoundPage");
const RepositoriesPage = page(
  () => import("../pages/repositories/RepositoriesPage"),
  "RepositoriesPage",
);
const RepositoryPage = page(() => import("../pages/repositories/RepositoryPage"), "RepositoryPage");
const RestorePage = page(() => import("../pages/RestorePage"), "RestorePage");
const SchedulesPage = page(() => import("../pages/schedules/SchedulesPage"), "SchedulesPage");
const SnapshotBrowserPage = page(
  () => import("../pages/snapshots/SnapshotBrowserPage"),
  "SnapshotBrowserPage",
);
const SnapshotsPage = page(() => import("../pages/snapshots/SnapshotsPage"), "SnapshotsPage");
const ServerBackupsPage = page(
  () => import("../pages/settings/ServerBackupsPage"),
  "ServerBackupsPage",
);
const SettingsLayout = page(() => import("../pages/settings/SettingsLayout"), "SettingsLayout");
const UsersPage = page(() => import("../pages/settings/UsersPage"), "UsersPage");

export function AppRoutes() {
  return (
    <Routes>
      <Route element={<Shell />}>
        <Route index element={<DashboardPage />} />
        <Route path="hosts" element={<HostsPage />} />
        <Route path="hosts/:id" element={<HostPage />} />
        <Route path="jobs" element={<JobsPage />} />
        <Route path="jobs/:id" element={<JobPage />} />
        <Route path="repositories" element={<RepositoriesPage />} />
        <Route path="repositories/:id" element={<RepositoryPage />} />
        <Route path="repositories/:id/snapshots" element={<SnapshotsPage />} />
        <Route path="repositories/:id/snapshots/:snapshotId" element={<SnapshotBrowserPage />} />
        <Route path="schedules" element={<SchedulesPage />} />
        <Route path="restore" element={<RestorePage />} />
        <Route path="alerts" element={<AlertsPage />} />
        <Route path="alerts/:id" element={<AlertPage />} />
        <Route path="settings" element={<SettingsLayout />}>
          <Route index element={<AccountPage />} />
          <Route
            path="users"
            element={
              <RequireAdmin>
                <UsersPage />
              </RequireAdmin>
            }
          />
          <Route
            path="alerts"
            element={
              <RequireAdmin>
                <AlertSettingsPage />
              </RequireAdmin>
            }
          />
          <Route
            path="tokens"
            element={
              <RequireAdmin>
                <ApiTokensPage />
              </RequireAdmin>
            }
          />
          <Route
            path="backups"
            element={
              <RequireAdmin>
                <ServerBackupsPage />
              </RequireAdmin>
            }
          />
        </Route>
        <Route
          path="audit"
          element={
            <RequireAdmin>
              <AuditPage />
            </RequireAdmin>
          }
        />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}
