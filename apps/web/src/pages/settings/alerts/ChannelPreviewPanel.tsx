import {
  CHANNEL_MESSAGE_EVENTS,
  type TChannelSettings,
  ZChannelSettings,
} from "@restic-manager/contracts";
import { useMutation } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import type { ChannelPreview } from "../../../lib/api-types";
import { errorSentence } from "../../../lib/errors";
import { useSettledValue } from "../../../lib/forms";
import { useTRPC } from "../../../lib/trpc";

const PRE =
  "max-h-80 overflow-auto rounded-md border border-slate-200 bg-slate-50 p-3 font-mono text-xs whitespace-pre-wrap break-all text-slate-800 dark:border-slate-800 dark:bg-slate-950 dark:text-slate-200";

/**
 * The message exactly as the channel would send it for a sample alert, built by the server
 * from the form as it stands (unsaved); asked for again once typing pauses.
 */
export function ChannelPreviewPanel({
  settings,
  channelId,
}: {
  settings: TChannelSettings | unknown;
  channelId: string | undefined;
}) {
  const trpc = useTRPC();
  const [event, setEvent] = useState<(typeof CHANNEL_MESSAGE_EVENTS)[number]>("raised");
  const parsed = ZChannelSettings.safeParse(settings);
  const request = parsed.success ? { id: channelId, settings: parsed.data, event } : undefined;
  const key = JSON.stringify(request ?? null);
  const settled = useSettledValue(request, key, 400);
  const preview = useMutation(trpc.channels.preview.mutationOptions());
  const { mutate } = preview;

  useEffect(() => {
    if (settled) mutate(settled);
  }, [settled, mutate]);

  return (
    <section data-testid="channel-preview" className="space-y-2">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h3 className="text-sm font-medium text-slate-700 dark:text-slate-300">
          Preview of the message
        </h3>
        <select
          aria-label="Preview event"
          value={event}
          onChange={(e) => setEvent(e.target.value as typeof event)}
          data-testid="channel-preview-event"
          className="rounded-md border border-slate-300 bg-white px-2 py-1 text-xs dark:border-slate-700 dark:bg-slate-900"
        >
          {CHANNEL_MESSAGE_EVENTS.filter((e) => e !== "test").map((e) => (
            <option key={e} value={e}>
              {e}
            </option>
          ))}
        </select>
      </div>
      {!request ? (
        <p className="text-xs text-slate-500">Fill in the fields above to see the message.</p>
      ) : preview.error ? (
        <p className="text-xs text-red-600 dark:text-red-400">{errorSentence(preview.error)}</p>
      ) : preview.data ? (
        <pre className={PRE} data-testid="channel-preview-text">
          {previewText(preview.data)}
        </pre>
      ) : (
        <p className="text-xs text-slate-500">Building the preview…</p>
      )}
    </section>
  );
}

function headerBlock(headers: Record<string, string>): string {
  return Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}`)
    .join("\n");
}

/** The request or mail as it goes on the wire, for reading. */
function previewText(preview: ChannelPreview): string {
  switch (preview.kind) {
    case "webhook":
      return `${preview.method} ${preview.url}\n${headerBlock(preview.headers)}\n\n${preview.body}`;
    case "ntfy":
      return `${preview.method} ${preview.url}\n${headerBlock(preview.headers)}\n\n${preview.body}`;
    case "smtp":
      return `MAIL FROM:<${preview.envelope.from}>\nRCPT TO:<${preview.envelope.to}>\n\n${preview.raw.replaceAll("\r\n", "\n")}`;
    default: {
      const exhaustive: never = preview;
      return exhaustive;
    }
  }
}
