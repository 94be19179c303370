export const REDACTED = "***";

export type Redactor = (text: string) => string;

/**
 * Replaces every occurrence of each secret (and its URL-encoded form). Longest first, so a
 * secret that contains another is removed whole. Short secrets still get redacted: a mangled
 * message is better than a leaked password.
 */
export function createRedactor(secrets: readonly string[]): Redactor {
  const needles = new Set<string>();
  for (const secret of secrets) {
    if (secret.length === 0) continue;
    needles.add(secret);
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) needles.add(encoded);
  }
  const ordered = [...needles].sort((a, b) => b.length - a.length);
  if (ordered.length === 0) return (text) => text;
  return (text) => {
    let result = text;
    for (const needle of ordered) result = result.split(needle).join(REDACTED);
    return result;
  };
}
