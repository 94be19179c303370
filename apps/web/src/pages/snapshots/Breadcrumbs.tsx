import { ChevronRight } from "lucide-react";
import { Link } from "react-router";
import { pathCrumbs } from "../../lib/snapshotPaths";

/** The folders from the snapshot's root down to the one shown; each but the last is a link. */
export function Breadcrumbs({ path, linkTo }: { path: string; linkTo: (path: string) => string }) {
  const crumbs = pathCrumbs(path);
  return (
    <nav aria-label="Folder" data-testid="browser-breadcrumbs" data-path={path}>
      <ol className="flex flex-wrap items-center gap-1 font-mono text-sm">
        {crumbs.map((crumb, i) => {
          const last = i === crumbs.length - 1;
          return (
            <li key={crumb.path} className="flex items-center gap-1">
              {i > 0 ? <ChevronRight className="size-3.5 text-slate-400" aria-hidden /> : null}
              {last ? (
                <span aria-current="page" className="font-semibold text-slate-900 dark:text-white">
                  {crumb.name}
                </span>
              ) : (
                <Link
                  to={linkTo(crumb.path)}
                  data-testid="breadcrumb"
                  className="text-teal-700 hover:underline dark:text-teal-300"
                >
                  {crumb.name}
                </Link>
              )}
            </li>
          );
        })}
      </ol>
    </nav>
  );
}
