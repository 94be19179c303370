import { Badge, type BadgeTone } from "../../components/ui/Badge";
import { Card } from "../../components/ui/Card";
import type { AlertEvent } from "../../lib/api-types";
import { formatTimestamp } from "../../lib/format";

const EVENT_TONES: Record<string, BadgeTone> = {
  raised: "danger",
  repeated: "warning",
  reminder: "neutral",
  acknowledged: "warning",
  snoozed: "neutral",
  resolved: "success",
};

/** Every change of the alert, oldest first, with who made it and their note. */
export function AlertHistory({ events }: { events: AlertEvent[] }) {
  return (
    <Card title="History" data-testid="alert-history">
      <ol className="space-y-3">
        {events.map((event) => (
          <li
            key={event.id}
            data-testid="alert-event"
            data-type={event.type}
            className="flex flex-wrap items-baseline gap-x-3 gap-y-1 text-sm"
          >
            <span className="w-44 shrink-0 text-xs text-slate-500 tabular-nums dark:text-slate-400">
              {formatTimestamp(event.at)}
            </span>
            <Badge tone={EVENT_TONES[event.type] ?? "neutral"}>{event.type}</Badge>
            {event.actor ? (
              <span className="text-slate-700 dark:text-slate-300">by {event.actor}</span>
            ) : null}
            {event.note ? (
              <span className="min-w-0 basis-full pl-0 text-slate-600 sm:basis-auto dark:text-slate-400">
                {event.note}
              </span>
            ) : null}
          </li>
        ))}
      </ol>
    </Card>
  );
}
