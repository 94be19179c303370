import { ShieldAlert } from "lucide-react";
import type { ReactNode } from "react";
import { useSession } from "../lib/session";

/** Draws its page for admins only; everyone else is told why they see nothing. */
export function RequireAdmin({ children }: { children: ReactNode }) {
  const user = useSession();
  if (user.role === "admin") return children;
  return <ForbiddenPanel role={user.role} />;
}

export function ForbiddenPanel({ role }: { role: string }) {
  return (
    <div
      data-testid="forbidden"
      role="alert"
      className="mx-auto mt-10 flex max-w-md flex-col items-center rounded-lg border border-slate-200 bg-white px-6 py-10 text-center shadow-sm dark:border-slate-800 dark:bg-slate-900"
    >
      <div className="mb-4 rounded-full bg-amber-50 p-3 text-amber-700 dark:bg-amber-950/60 dark:text-amber-300">
        <ShieldAlert className="size-6" aria-hidden />
      </div>
      <h1 className="text-base font-semibold text-slate-900 dark:text-white">
        You need the admin role to see this page
      </h1>
      <p className="mt-1.5 text-sm text-slate-500 dark:text-slate-400">
        You are signed in as {role === "operator" ? "an" : "a"} {role}. Ask an admin if you need
        access.
      </p>
    </div>
  );
}
