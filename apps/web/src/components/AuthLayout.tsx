import type { ReactNode } from "react";
import { BrandMark } from "./BrandMark";
import { ThemeToggle } from "./ThemeToggle";

/** The centred frame of the pages shown before anyone is signed in. */
export function AuthLayout({
  title,
  description,
  children,
  "data-testid": testId,
}: {
  title: string;
  description: ReactNode;
  children: ReactNode;
  "data-testid": string;
}) {
  return (
    <div className="flex min-h-dvh flex-col">
      <div className="flex items-center justify-between px-4 py-3 sm:px-6">
        <BrandMark />
        <ThemeToggle />
      </div>
      <main className="flex flex-1 items-start justify-center px-4 pt-8 pb-16 sm:items-center sm:pt-0">
        <div
          data-testid={testId}
          className="w-full max-w-sm rounded-xl border border-slate-200 bg-white p-6 shadow-sm sm:p-8 dark:border-slate-800 dark:bg-slate-900"
        >
          <h1 className="text-lg font-semibold tracking-tight text-slate-900 dark:text-white">
            {title}
          </h1>
          <p className="mt-1 mb-6 text-sm text-slate-500 dark:text-slate-400">{description}</p>
          {children}
        </div>
      </main>
    </div>
  );
}
