/** A job's options as name/value pairs for display: nested objects flattened, lists joined. */
export function describeParams(params: Record<string, unknown>): [string, string][] {
  const pairs: [string, string][] = [];
  const visit = (prefix: string, value: unknown) => {
    if (value === undefined || value === null) return;
    if (Array.isArray(value)) {
      pairs.push([prefix, value.length === 0 ? "(none)" : value.map(String).join(", ")]);
    } else if (typeof value === "object") {
      for (const [key, inner] of Object.entries(value)) {
        visit(prefix ? `${prefix}.${key}` : key, inner);
      }
    } else {
      pairs.push([prefix, String(value)]);
    }
  };
  for (const [key, value] of Object.entries(params)) {
    if (key !== "kind") visit(key, value);
  }
  return pairs;
}
