import { Link, useLocation } from "react-router";
import { activeNavPath, NAVIGATION } from "../lib/navigation";
import { useSession } from "../lib/session";
import { BrandMark } from "./BrandMark";

export function Sidebar({ onNavigate }: { onNavigate?: () => void }) {
  const user = useSession();
  const { pathname } = useLocation();
  const active = activeNavPath(pathname);
  const isAdmin = user.role === "admin";

  return (
    <nav aria-label="Main" data-testid="sidebar" className="flex h-full flex-col gap-6 px-3 py-4">
      <div className="px-2">
        <BrandMark />
      </div>
      {NAVIGATION.map((section) => {
        const items = section.items.filter((item) => isAdmin || !item.adminOnly);
        if (items.length === 0) return null;
        return (
          <div key={section.title} className="space-y-1">
            <p className="px-2 pb-1 text-[11px] font-medium tracking-wider text-slate-400 uppercase dark:text-slate-500">
              {section.title}
            </p>
            {items.map(({ to, label, icon: Icon, testId, badge: Figure }) => {
              const current = to === active;
              return (
                <Link
                  key={to}
                  to={to}
                  data-testid={testId}
                  onClick={onNavigate}
                  aria-current={current ? "page" : undefined}
                  className={`flex items-center gap-2.5 rounded-md px-2 py-1.5 text-sm font-medium transition-colors ${
                    current
                      ? "bg-teal-50 text-teal-800 dark:bg-teal-950/60 dark:text-teal-200"
                      : "text-slate-600 hover:bg-slate-100 hover:text-slate-900 dark:text-slate-400 dark:hover:bg-slate-800/70 dark:hover:text-white"
                  }`}
                >
                  <Icon className="size-4 shrink-0" aria-hidden />
                  {label}
                  {Figure ? <Figure /> : null}
                </Link>
              );
            })}
          </div>
        );
      })}
    </nav>
  );
}
