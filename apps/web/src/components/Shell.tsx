import { X } from "lucide-react";
import { Suspense, useEffect, useState } from "react";
import { Outlet } from "react-router";
import { useFleetEvents } from "../lib/useFleetEvents";
import { Header } from "./Header";
import { Sidebar } from "./Sidebar";

/** The signed-in frame: navigation on the left (a drawer on small screens), page on the right. */
export function Shell() {
  const [menuOpen, setMenuOpen] = useState(false);
  useFleetEvents();

  useEffect(() => {
    if (!menuOpen) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") setMenuOpen(false);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [menuOpen]);

  return (
    <div className="min-h-dvh">
      <aside className="fixed inset-y-0 left-0 hidden w-60 overflow-y-auto border-r border-slate-200 bg-white lg:block dark:border-slate-800 dark:bg-slate-900">
        <Sidebar />
      </aside>
      {menuOpen ? (
        <div className="fixed inset-0 z-40 lg:hidden" data-testid="mobile-menu">
          <button
            type="button"
            aria-label="Close navigation"
            className="absolute inset-0 bg-slate-950/50"
            onClick={() => setMenuOpen(false)}
          />
          <aside className="absolute inset-y-0 left-0 w-64 overflow-y-auto bg-white shadow-xl dark:bg-slate-900">
            <button
              type="button"
              aria-label="Close navigation"
              data-testid="menu-close"
              onClick={() => setMenuOpen(false)}
              className="absolute top-4 right-3 rounded-md p-1.5 text-slate-500 hover:bg-slate-100 dark:text-slate-400 dark:hover:bg-slate-800"
            >
              <X className="size-4" aria-hidden />
            </button>
            <Sidebar onNavigate={() => setMenuOpen(false)} />
          </aside>
        </div>
      ) : null}
      <div className="lg:pl-60">
        <Header onOpenMenu={() => setMenuOpen(true)} />
        <main className="mx-auto max-w-6xl px-4 py-6 sm:px-6 lg:py-8">
          <Suspense fallback={<p className="text-sm text-slate-500">Loading…</p>}>
            <Outlet />
          </Suspense>
        </main>
      </div>
    </div>
  );
}
