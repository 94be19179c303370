/** A host's allowed restore directories, or that there are none. */
export function RootsList({ roots, hostName }: { roots: readonly string[]; hostName: string }) {
  if (roots.length === 0) {
    return (
      <p className="text-sm text-slate-500 dark:text-slate-400" data-testid="roots-none">
        {hostName} allows no restore directories yet: an admin sets them on its host page.
      </p>
    );
  }
  return (
    <ul className="flex flex-wrap gap-1.5" data-testid="roots-list">
      {roots.map((root) => (
        <li
          key={root}
          data-testid="root"
          className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs text-slate-700 dark:bg-slate-800 dark:text-slate-300"
        >
          {root}
        </li>
      ))}
    </ul>
  );
}
