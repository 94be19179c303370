import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { QueryStatus } from "../../components/QueryStatus";
import { Button } from "../../components/ui/Button";
import { Card } from "../../components/ui/Card";
import { TextField } from "../../components/ui/Field";
import { FormError } from "../../components/ui/FormError";
import type { HostAlertSettings } from "../../lib/api-types";
import { useTRPC } from "../../lib/trpc";
import { HostAlertOverrides } from "./HostAlertOverrides";

type Window = HostAlertSettings["maintenanceWindows"][number];

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const CONTROL =
  "rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm shadow-sm dark:border-slate-700 dark:bg-slate-900";

/** A `datetime-local` value for a date, in the browser's zone. */
function localInput(date: Date | null): string {
  if (!date) return "";
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

/** Admins: when this host raises no alerts, and its own rules per kind. */
export function HostAlertsCard({ hostId, timeZone }: { hostId: string; timeZone: string | null }) {
  const trpc = useTRPC();
  const settings = useQuery(trpc.alerts.hostSettings.queryOptions({ hostId }));
  return (
    <Card
      title="Alerts for this host"
      description={`Quiet times raise no alerts for this host (times in its zone, ${timeZone ?? "UTC"}); its own rules replace the fleet's for a kind.`}
      data-testid="host-alerts"
    >
      <QueryStatus query={settings} loading="Loading alert settings…" />
      {settings.data ? (
        <div className="space-y-6">
          <QuietTimes
            key={JSON.stringify([settings.data.maintenanceWindows, settings.data.snoozedUntil])}
            hostId={hostId}
            settings={settings.data}
          />
          <HostAlertOverrides hostId={hostId} overrides={settings.data.overrides} />
        </div>
      ) : null}
    </Card>
  );
}

function QuietTimes({ hostId, settings }: { hostId: string; settings: HostAlertSettings }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [windows, setWindows] = useState<Window[]>(settings.maintenanceWindows);
  const [snoozedUntil, setSnoozedUntil] = useState(localInput(settings.snoozedUntil));
  const save = useMutation(
    trpc.alerts.setHostQuiet.mutationOptions({
      onSuccess: () =>
        void queryClient.invalidateQueries({
          queryKey: trpc.alerts.hostSettings.queryKey({ hostId }),
        }),
    }),
  );
  const change = (index: number, next: Partial<Window>) =>
    setWindows((current) => current.map((w, i) => (i === index ? { ...w, ...next } : w)));

  return (
    <form
      data-testid="host-quiet"
      className="space-y-3"
      onSubmit={(event) => {
        event.preventDefault();
        save.mutate({
          hostId,
          maintenanceWindows: windows,
          snoozedUntil: snoozedUntil ? new Date(snoozedUntil) : null,
        });
      }}
    >
      <h3 className="text-sm font-semibold text-slate-900 dark:text-white">Quiet times</h3>
      <FormError error={save.error} />
      {windows.length === 0 ? (
        <p className="text-sm text-slate-500 dark:text-slate-400">No maintenance windows.</p>
      ) : null}
      <ul className="space-y-2">
        {windows.map((window, index) => (
          <li
            key={index}
            data-testid="quiet-window"
            className="flex flex-wrap items-center gap-3 rounded-md border border-slate-200 p-2 dark:border-slate-800"
          >
            <span className="flex gap-1.5">
              {DAYS.map((day, d) => (
                <label key={day} className="flex items-center gap-1 text-xs">
                  <input
                    type="checkbox"
                    className="size-3.5 accent-teal-600"
                    checked={window.days.includes(d)}
                    onChange={(event) =>
                      change(index, {
                        days: event.target.checked
                          ? [...window.days, d].sort()
                          : window.days.filter((x) => x !== d),
                      })
                    }
                  />
                  {day}
                </label>
              ))}
            </span>
            <input
              type="time"
              aria-label="From"
              className={CONTROL}
              value={window.from}
              onChange={(event) => change(index, { from: event.target.value })}
            />
            <span className="text-sm text-slate-500">to</span>
            <input
              type="time"
              aria-label="To"
              className={CONTROL}
              value={window.to}
              onChange={(event) => change(index, { to: event.target.value })}
            />
            <Button
              size="sm"
              variant="ghost"
              onClick={() => setWindows((current) => current.filter((_, i) => i !== index))}
            >
              Remove
            </Button>
          </li>
        ))}
      </ul>
      <Button
        size="sm"
        data-testid="quiet-add"
        disabled={windows.length >= 20}
        onClick={() =>
          setWindows((current) => [
            ...current,
            { days: [1, 2, 3, 4, 5], from: "22:00", to: "06:00" },
          ])
        }
      >
        Add a window
      </Button>
      <div className="max-w-xs">
        <TextField
          label="Snooze every alert until"
          type="datetime-local"
          hint="Empty: not snoozed. A window that ends before it starts runs over midnight."
          value={snoozedUntil}
          onChange={(event) => setSnoozedUntil(event.target.value)}
          data-testid="quiet-snooze"
        />
      </div>
      <Button type="submit" variant="primary" disabled={save.isPending} data-testid="quiet-save">
        {save.isPending ? "Saving…" : "Save quiet times"}
      </Button>
    </form>
  );
}
