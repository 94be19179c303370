import { Route, Routes } from "react-router";
import { AlertsPage } from "../pages/AlertsPage";
import { AuditPage } from "../pages/audit/AuditPage";
import { DashboardPage } from "../pages/dashboard/DashboardPage";
import { HostPage } from "../pages/hosts/HostPage";
import { HostsPage } from "../pages/hosts/HostsPage";
import { JobPage } from "../pages/jobs/JobPage";
import { JobsPage } from "../pages/jobs/JobsPage";
import { NotFoundPage } from "../pages/NotFoundPage";
import { RestorePage } from "../pages/RestorePage";
import { RepositoriesPage } from "../pages/repositories/RepositoriesPage";
import { SchedulesPage } from "../pages/SchedulesPage";
import { AccountPage } from "../pages/settings/AccountPage";
import { ApiTokensPage } from "../pages/settings/ApiTokensPage";
import { SettingsLayout } from "../pages/settings/SettingsLayout";
import { UsersPage } from "../pages/settings/UsersPage";
import { RequireAdmin } from "./RequireAdmin";
import { Shell } from "./Shell";

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
        <Route path="schedules" element={<SchedulesPage />} />
        <Route path="restore" element={<RestorePage />} />
        <Route path="alerts" element={<AlertsPage />} />
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
            path="tokens"
            element={
              <RequireAdmin>
                <ApiTokensPage />
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
