import { useState } from "react";
import { Button } from "../../components/ui/Button";
import { Card } from "../../components/ui/Card";
import { SelectField, TextField } from "../../components/ui/Field";
import { FormError } from "../../components/ui/FormError";
import type { AlertDetail } from "../../lib/api-types";
import { useAlertMutations } from "./useAlertMutations";

const SNOOZE_CHOICES = [
  { value: "60", label: "1 hour" },
  { value: "240", label: "4 hours" },
  { value: "1440", label: "1 day" },
  { value: "10080", label: "1 week" },
];

/** Acknowledge with a note, resolve by hand, or hold reminders for a while. */
export function AlertActions({ alert }: { alert: AlertDetail }) {
  const [note, setNote] = useState("");
  const [snoozeMinutes, setSnoozeMinutes] = useState("240");
  const { acknowledge, resolve, snooze } = useAlertMutations(() => setNote(""));
  const pending = acknowledge.isPending || resolve.isPending || snooze.isPending;
  const trimmed = note.trim();

  return (
    <Card
      title="Take it on"
      description="Acknowledging records who and when, stops reminders and tells every channel. Snoozing holds reminders until a time."
      data-testid="alert-actions"
    >
      <div className="space-y-4">
        <FormError error={acknowledge.error ?? resolve.error ?? snooze.error} />
        {alert.state === "raised" ? (
          <div className="flex flex-wrap items-end gap-3">
            <div className="min-w-56 flex-1">
              <TextField
                label="Note (optional)"
                value={note}
                maxLength={1000}
                onChange={(event) => setNote(event.target.value)}
                data-testid="alert-ack-note"
              />
            </div>
            <Button
              variant="primary"
              disabled={pending}
              data-testid="alert-acknowledge"
              onClick={() =>
                acknowledge.mutate({ ids: [alert.id], ...(trimmed ? { note: trimmed } : {}) })
              }
            >
              Acknowledge
            </Button>
          </div>
        ) : null}
        <div className="flex flex-wrap items-end gap-3">
          {alert.state === "raised" ? (
            <>
              <div className="w-40">
                <SelectField
                  label="Snooze reminders for"
                  options={SNOOZE_CHOICES}
                  value={snoozeMinutes}
                  onChange={(event) => setSnoozeMinutes(event.target.value)}
                  data-testid="alert-snooze-for"
                />
              </div>
              <Button
                disabled={pending}
                data-testid="alert-snooze"
                onClick={() =>
                  snooze.mutate({
                    id: alert.id,
                    until: new Date(Date.now() + Number(snoozeMinutes) * 60_000),
                  })
                }
              >
                Snooze
              </Button>
            </>
          ) : null}
          <Button
            variant="danger"
            disabled={pending}
            data-testid="alert-resolve"
            onClick={() => resolve.mutate({ ids: [alert.id] })}
          >
            Resolve now
          </Button>
        </div>
      </div>
    </Card>
  );
}
