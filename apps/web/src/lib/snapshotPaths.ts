/**
 * Paths inside a snapshot as the browser shows and sends them: absolute, with forward slashes,
 * "/" for the root (restic stores Windows paths as /C/Users/…).
 */

export function joinPath(dir: string, name: string): string {
  return dir === "/" ? `/${name}` : `${dir}/${name}`;
}

export function parentPath(path: string): string {
  const cut = path.lastIndexOf("/");
  return cut <= 0 ? "/" : path.slice(0, cut);
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1) || "/";
}

/** "/", "/home", "/home/ann": each folder from the root down to `path`, for breadcrumbs. */
export function pathCrumbs(path: string): { name: string; path: string }[] {
  const names = path.split("/").filter((name) => name !== "");
  return [
    { name: "/", path: "/" },
    ...names.map((name, i) => ({ name, path: `/${names.slice(0, i + 1).join("/")}` })),
  ];
}

/** Whether `path` is `ancestor` or lies below it. */
export function isWithin(path: string, ancestor: string): boolean {
  if (ancestor === "/") return true;
  return path === ancestor || path.startsWith(`${ancestor}/`);
}
