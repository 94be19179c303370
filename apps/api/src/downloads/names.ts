import path from "node:path";

export type Archive = "zip" | "tar";

/** What the browser is told the bytes are. */
export function contentTypeOf(archive: Archive | undefined): string {
  if (archive === "zip") return "application/zip";
  if (archive === "tar") return "application/x-tar";
  return "application/octet-stream";
}

/**
 * The name the browser saves under: the path's last segment (a Windows drive in a snapshot,
 * `/C`, gives `C`), plus the archive's extension. The snapshot's root is named after it.
 */
export function downloadFileName(
  itemPath: string,
  archive: Archive | undefined,
  snapshotId: string,
): string {
  const base = path.posix.basename(itemPath) || `snapshot-${snapshotId.slice(0, 8)}`;
  return archive ? `${base}.${archive}` : base;
}

/**
 * `attachment` with the name twice (RFC 6266): a plain ASCII `filename` for old clients, and
 * the exact name as UTF-8 in `filename*` (RFC 5987) whenever the two differ.
 */
export function contentDisposition(fileName: string): string {
  const ascii = fileName
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^\x20-\x7e]|["\\%]/g, "_");
  const plain = `attachment; filename="${ascii}"`;
  if (ascii === fileName) return plain;
  return `${plain}; filename*=UTF-8''${encodeRfc5987(fileName)}`;
}

/** Percent-encodes everything outside RFC 5987's attr-char set. */
function encodeRfc5987(value: string): string {
  return encodeURIComponent(value).replace(
    /['()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
