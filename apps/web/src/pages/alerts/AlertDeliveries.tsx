import { Badge, type BadgeTone } from "../../components/ui/Badge";
import { Card } from "../../components/ui/Card";
import type { AlertDelivery } from "../../lib/api-types";
import { formatTimestamp } from "../../lib/format";

const STATE_TONES: Record<string, BadgeTone> = {
  pending: "neutral",
  held: "accent",
  sending: "accent",
  sent: "success",
  failed: "danger",
};

/** Each message to each channel, with every try and what the receiver answered. */
export function AlertDeliveries({ deliveries }: { deliveries: AlertDelivery[] }) {
  return (
    <Card
      title="Messages"
      description="One message per channel and event. Failed tries are retried with growing pauses; held ones wait for their channel's digest."
      data-testid="alert-deliveries"
    >
      {deliveries.length === 0 ? (
        <p className="text-sm text-slate-500 dark:text-slate-400">
          No channel took this alert: add one under Settings → Alerts, or check its routing.
        </p>
      ) : (
        <ul className="divide-y divide-slate-200 dark:divide-slate-800">
          {deliveries.map((delivery) => (
            <li
              key={delivery.id}
              data-testid="alert-delivery"
              data-state={delivery.state}
              className="space-y-2 py-3 first:pt-0 last:pb-0"
            >
              <div className="flex flex-wrap items-center gap-2 text-sm">
                <span className="font-medium text-slate-900 dark:text-white">
                  {delivery.channelName}
                </span>
                <span className="text-slate-500">{delivery.channelKind}</span>
                <span className="text-slate-400">·</span>
                <span className="text-slate-700 dark:text-slate-300">{delivery.event}</span>
                <Badge tone={STATE_TONES[delivery.state] ?? "neutral"}>{delivery.state}</Badge>
                <span className="text-xs text-slate-500">
                  {delivery.attempts.length === 1 ? "1 try" : `${delivery.attempts.length} tries`}
                  {delivery.sentAt ? ` · sent ${formatTimestamp(delivery.sentAt)}` : ""}
                </span>
              </div>
              {delivery.attempts.length > 0 ? (
                <ol className="space-y-1 border-l-2 border-slate-200 pl-3 dark:border-slate-700">
                  {delivery.attempts.map((attempt) => (
                    <li
                      key={attempt.id}
                      data-testid="delivery-attempt"
                      data-ok={attempt.ok}
                      className="flex flex-wrap gap-x-3 text-xs"
                    >
                      <span className="text-slate-500 tabular-nums">
                        {formatTimestamp(attempt.at)}
                      </span>
                      <span
                        className={
                          attempt.ok
                            ? "text-emerald-700 dark:text-emerald-300"
                            : "text-red-700 dark:text-red-300"
                        }
                      >
                        {attempt.ok ? "ok" : "failed"}
                      </span>
                      <span className="text-slate-500">{attempt.durationMs} ms</span>
                      <span className="min-w-0 font-mono break-all text-slate-700 dark:text-slate-300">
                        {attempt.result}
                      </span>
                    </li>
                  ))}
                </ol>
              ) : null}
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
