import {
  Bell,
  CalendarClock,
  Database,
  History,
  LayoutDashboard,
  ListChecks,
  type LucideIcon,
  ScrollText,
  Server,
  Settings,
  Users,
} from "lucide-react";
import type { ComponentType } from "react";
import { OpenAlertsBadge } from "../components/OpenAlertsBadge";

export interface NavItem {
  to: string;
  label: string;
  icon: LucideIcon;
  adminOnly?: boolean;
  testId: string;
  /** A live figure beside the label (the open alerts). */
  badge?: ComponentType;
}

export interface NavSection {
  title: string;
  items: NavItem[];
}

export const NAVIGATION: NavSection[] = [
  {
    title: "Overview",
    items: [{ to: "/", label: "Dashboard", icon: LayoutDashboard, testId: "nav-dashboard" }],
  },
  {
    title: "Backups",
    items: [
      { to: "/hosts", label: "Hosts", icon: Server, testId: "nav-hosts" },
      { to: "/jobs", label: "Jobs", icon: ListChecks, testId: "nav-jobs" },
      { to: "/repositories", label: "Repositories", icon: Database, testId: "nav-repositories" },
      { to: "/schedules", label: "Schedules", icon: CalendarClock, testId: "nav-schedules" },
      { to: "/restore", label: "Restore", icon: History, testId: "nav-restore" },
      {
        to: "/alerts",
        label: "Alerts",
        icon: Bell,
        testId: "nav-alerts",
        badge: OpenAlertsBadge,
      },
    ],
  },
  {
    title: "Administration",
    items: [
      { to: "/settings", label: "Settings", icon: Settings, testId: "nav-settings" },
      { to: "/settings/users", label: "Users", icon: Users, adminOnly: true, testId: "nav-users" },
      { to: "/audit", label: "Audit", icon: ScrollText, adminOnly: true, testId: "nav-audit" },
    ],
  },
];

function covers(to: string, pathname: string): boolean {
  if (to === "/") return pathname === "/";
  return pathname === to || pathname.startsWith(`${to}/`);
}

/** The item to highlight: the one whose path is the longest prefix of the current path. */
export function activeNavPath(pathname: string): string | undefined {
  const paths = NAVIGATION.flatMap((section) => section.items.map((item) => item.to));
  return paths
    .filter((to) => covers(to, pathname))
    .sort((a, b) => b.length - a.length)
    .at(0);
}
