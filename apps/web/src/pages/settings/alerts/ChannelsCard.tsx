import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Plus } from "lucide-react";
import { useState } from "react";
import { QueryStatus } from "../../../components/QueryStatus";
import { Badge } from "../../../components/ui/Badge";
import { Button } from "../../../components/ui/Button";
import { Card } from "../../../components/ui/Card";
import { ConfirmDialog } from "../../../components/ui/ConfirmDialog";
import type { ChannelListItem } from "../../../lib/api-types";
import { describeError, errorSentence } from "../../../lib/errors";
import { formatRelative } from "../../../lib/format";
import { useTRPC } from "../../../lib/trpc";
import { ChannelDialog } from "./ChannelDialog";

type Editing = { channel?: ChannelListItem } | undefined;

/** Where alert messages go: one destination per channel, each with a test that really sends. */
export function ChannelsCard() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const channels = useQuery(trpc.channels.list.queryOptions());
  const [editing, setEditing] = useState<Editing>();
  const [deleting, setDeleting] = useState<ChannelListItem>();
  const remove = useMutation(
    trpc.channels.remove.mutationOptions({
      onSuccess: () => {
        setDeleting(undefined);
        void queryClient.invalidateQueries({ queryKey: trpc.channels.pathKey() });
      },
    }),
  );

  return (
    <Card
      title="Channels"
      description="Each channel is one destination, so a failed message names its recipient. Alerts go to every enabled channel whose routing takes them."
      actions={
        <Button variant="primary" data-testid="new-channel" onClick={() => setEditing({})}>
          <Plus className="size-4" aria-hidden />
          New channel
        </Button>
      }
      data-testid="channels"
    >
      <QueryStatus query={channels} loading="Loading channels…" />
      {channels.data?.length === 0 ? (
        <p className="text-sm text-slate-500 dark:text-slate-400" data-testid="channels-empty">
          No channels yet: alerts show on the Alerts page, and nobody is told. Add a webhook, an
          ntfy topic or a mailbox.
        </p>
      ) : null}
      {channels.data && channels.data.length > 0 ? (
        <ul className="divide-y divide-slate-200 dark:divide-slate-800">
          {channels.data.map((channel) => (
            <ChannelRow
              key={channel.id}
              channel={channel}
              onEdit={() => setEditing({ channel })}
              onDelete={() => setDeleting(channel)}
            />
          ))}
        </ul>
      ) : null}
      {editing ? (
        <ChannelDialog channel={editing.channel} onClose={() => setEditing(undefined)} />
      ) : null}
      <ConfirmDialog
        open={deleting !== undefined}
        title={`Delete the channel “${deleting?.name ?? ""}”?`}
        confirmLabel="Delete channel"
        pending={remove.isPending}
        error={remove.error ? describeError(remove.error).message : undefined}
        onConfirm={() => deleting && remove.mutate({ id: deleting.id })}
        onClose={() => {
          setDeleting(undefined);
          remove.reset();
        }}
      >
        Its messages not yet sent are dropped, and alerts stop going to {deleting?.label}.
      </ConfirmDialog>
    </Card>
  );
}

function routingSummary(channel: ChannelListItem): string {
  const { severities, kinds, hostIds } = channel.routing;
  const parts = [
    severities.length > 0 ? severities.join(", ") : "every severity",
    kinds.length > 0 ? `${kinds.length} ${kinds.length === 1 ? "kind" : "kinds"}` : "every kind",
    hostIds.length > 0
      ? `${hostIds.length} ${hostIds.length === 1 ? "host" : "hosts"}`
      : "every host",
  ];
  return parts.join(" · ");
}

function ChannelRow({
  channel,
  onEdit,
  onDelete,
}: {
  channel: ChannelListItem;
  onEdit: () => void;
  onDelete: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const test = useMutation(
    trpc.channels.test.mutationOptions({
      onSettled: () => void queryClient.invalidateQueries({ queryKey: trpc.channels.pathKey() }),
    }),
  );
  const digest =
    channel.digestHour === null
      ? null
      : `digest at ${String(channel.digestHour).padStart(2, "0")}:00 ${channel.digestTimeZone ?? "UTC"}`;

  return (
    <li
      data-testid="channel-row"
      data-channel-name={channel.name}
      data-kind={channel.kind}
      className="space-y-2 py-3 first:pt-0 last:pb-0"
    >
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0 space-y-1">
          <p
            className="font-mono text-sm break-all text-slate-900 dark:text-white"
            data-testid="channel-label"
          >
            {channel.label}
          </p>
          <p className="flex flex-wrap items-center gap-2 text-xs text-slate-500 dark:text-slate-400">
            {channel.enabled ? null : <Badge>disabled</Badge>}
            {digest ? <Badge tone="accent">{digest}</Badge> : null}
            <span>{routingSummary(channel)}</span>
            {channel.lastDelivery ? (
              <span>
                · last message {channel.lastDelivery.event} {channel.lastDelivery.state}{" "}
                {formatRelative(channel.lastDelivery.createdAt)}
              </span>
            ) : null}
          </p>
        </div>
        <div className="flex shrink-0 gap-2">
          <Button
            size="sm"
            data-testid="channel-test"
            disabled={test.isPending}
            onClick={() => test.mutate({ id: channel.id })}
          >
            {test.isPending ? "Sending…" : "Send test"}
          </Button>
          <Button size="sm" data-testid="channel-edit" onClick={onEdit}>
            Edit
          </Button>
          <Button size="sm" variant="ghost" data-testid="channel-delete" onClick={onDelete}>
            Delete
          </Button>
        </div>
      </div>
      {test.data ? (
        <p
          data-testid="channel-test-result"
          data-ok={test.data.ok}
          className={`rounded-md px-2.5 py-1.5 font-mono text-xs break-all ${
            test.data.ok
              ? "bg-emerald-50 text-emerald-800 dark:bg-emerald-950/50 dark:text-emerald-200"
              : "bg-red-50 text-red-800 dark:bg-red-950/50 dark:text-red-200"
          }`}
        >
          {test.data.ok ? "Sent" : "Failed"} in {test.data.durationMs} ms: {test.data.result}
        </p>
      ) : null}
      {test.error ? (
        <p
          data-testid="channel-test-result"
          data-ok="false"
          className="text-xs text-red-600 dark:text-red-400"
        >
          {errorSentence(test.error)}
        </p>
      ) : null}
    </li>
  );
}
