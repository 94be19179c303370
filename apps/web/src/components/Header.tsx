import { LogOut, Menu } from "lucide-react";
import { useSession, useSignOut } from "../lib/session";
import { ThemeToggle } from "./ThemeToggle";
import { Badge } from "./ui/Badge";
import { Button } from "./ui/Button";

export function Header({ onOpenMenu }: { onOpenMenu: () => void }) {
  const user = useSession();
  const { signOut, pending } = useSignOut();

  return (
    <header className="sticky top-0 z-20 flex h-14 items-center gap-3 border-b border-slate-200 bg-white/85 px-4 backdrop-blur sm:px-6 dark:border-slate-800 dark:bg-slate-950/85">
      <button
        type="button"
        data-testid="menu-button"
        onClick={onOpenMenu}
        aria-label="Open navigation"
        className="-ml-1 rounded-md p-2 text-slate-600 hover:bg-slate-100 lg:hidden dark:text-slate-300 dark:hover:bg-slate-800"
      >
        <Menu className="size-5" aria-hidden />
      </button>
      <div className="flex-1" />
      <ThemeToggle />
      <div className="flex min-w-0 items-center gap-2 border-l border-slate-200 pl-3 dark:border-slate-800">
        <span
          data-testid="current-user"
          className="truncate text-sm font-medium text-slate-800 dark:text-slate-200"
        >
          {user.username}
        </span>
        <Badge tone={user.role === "admin" ? "accent" : "neutral"} data-testid="current-role">
          {user.role}
        </Badge>
      </div>
      <Button variant="ghost" size="sm" data-testid="sign-out" onClick={signOut} disabled={pending}>
        <LogOut className="size-4" aria-hidden />
        <span className="hidden sm:inline">Sign out</span>
      </Button>
    </header>
  );
}
