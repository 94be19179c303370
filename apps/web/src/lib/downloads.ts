import type { TDownloadRequest } from "@restic-manager/contracts";
import { useMutation } from "@tanstack/react-query";
import { z } from "zod";

/**
 * Downloads of files and folders from a snapshot: `downloads.prepare` answers with a URL that
 * streams the file as an attachment, and the browser is sent there.
 *
 * The call goes through fetch rather than the typed client so that this module is the one place
 * to change while the API's download router is being built; it sends what the tRPC client
 * sends (a JSON body in superjson's envelope, the session cookie).
 */
const ZPrepared = z.object({ url: z.string().min(1), fileName: z.string().min(1) });
const ZAnswer = z.union([
  z.object({ result: z.object({ data: z.object({ json: ZPrepared }) }) }),
  z.object({ error: z.object({ json: z.object({ message: z.string() }) }) }),
]);

export type PreparedDownload = z.infer<typeof ZPrepared>;

export async function prepareDownload(request: TDownloadRequest): Promise<PreparedDownload> {
  const response = await fetch("/trpc/downloads.prepare", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ json: request }),
  });
  const answer = ZAnswer.safeParse(await response.json().catch(() => undefined));
  if (!answer.success)
    throw new Error(`The server could not prepare the download (${response.status}).`);
  if ("error" in answer.data) throw new Error(answer.data.error.json.message);
  return answer.data.result.data.json;
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
  return useMutation({
    mutationFn: async (request: TDownloadRequest) => {
      const prepared = await prepareDownload(request);
      startDownload(prepared);
      return prepared;
    },
  });
}
