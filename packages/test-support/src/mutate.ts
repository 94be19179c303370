/**
 * One edit to a copy of a structured value — a message, a command, a line of restic's JSON —
 * for the fuzz tests: a value replaced, a key or item deleted, a key renamed. The edit's `at`
 * picks the place among every place in the value (the value itself, each nested key and
 * index), modulo their number, so any number a property-testing library draws lands somewhere.
 */
export type ValueEdit =
  | { op: "replace"; at: number; value: unknown }
  | { op: "delete"; at: number }
  | { op: "rename"; at: number; key: string };

type Key = string | number;

/** Every place an edit can land: the value itself and each nested key or index (dates are leaves). */
export function pathsOf(value: unknown, prefix: Key[] = [], out: Key[][] = []): Key[][] {
  out.push(prefix);
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) pathsOf(item, [...prefix, index], out);
  } else if (typeof value === "object" && value !== null && !(value instanceof Date)) {
    for (const [key, item] of Object.entries(value)) pathsOf(item, [...prefix, key], out);
  }
  return out;
}

/** `root` with one edit applied to a copy; `root` itself is left as it was. */
export function applyEdit(root: unknown, edit: ValueEdit): unknown {
  const paths = pathsOf(root);
  const path = paths[edit.at % paths.length] ?? [];
  const last = path.at(-1);
  if (last === undefined) return edit.op === "replace" ? edit.value : root;
  const copy = structuredClone(root);
  let parent = copy as Record<Key, unknown>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<Key, unknown>;
  if (edit.op === "replace") parent[last] = edit.value;
  else if (Array.isArray(parent)) parent.splice(Number(last), 1);
  else if (edit.op === "delete") delete parent[last];
  else {
    // An own key even when it is `__proto__`, as a JSON parser makes it.
    Object.defineProperty(parent, edit.key, {
      value: parent[last],
      enumerable: true,
      writable: true,
      configurable: true,
    });
    delete parent[last];
  }
  return copy;
}
