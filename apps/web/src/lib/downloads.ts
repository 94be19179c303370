import { useMutation } from "@tanstack/react-query";
import { useTRPC } from "./trpc";

/**
 * Downloads of files and folders from a snapshot: `downloads.prepare` answers with a one-time
 * URL that streams the file as an attachment, and the browser is sent there.
 */
export interface PreparedDownload {
  url: string;
  fileName: string;
}

/** Sends the browser to the prepared URL; only this server's own addresses are followed. */
export function startDownload({ url, fileName }: PreparedDownload): void {
  const target = new URL(url, window.location.origin);
  if (target.origin !== window.location.origin) {
    throw new Error("The server answered with a download address on another site.");
  }
  const link = document.createElement("a");
  link.href = target.href;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
}

/** Prepares a download and starts it; the mutation's error says why one could not start. */
export function useDownload() {
  const trpc = useTRPC();
  return useMutation(trpc.downloads.prepare.mutationOptions({ onSuccess: startDownload }));
}
