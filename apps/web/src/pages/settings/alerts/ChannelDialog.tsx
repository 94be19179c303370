import { CHANNEL_KINDS, type TChannelKind, ZChannelInput } from "@restic-manager/contracts";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Button } from "../../../components/ui/Button";
import { Dialog } from "../../../components/ui/Dialog";
import { CheckboxField, ChoiceField, SelectField, TextField } from "../../../components/ui/Field";
import { FormError } from "../../../components/ui/FormError";
import type { ChannelListItem } from "../../../lib/api-types";
import { describeError } from "../../../lib/errors";
import { validateNested } from "../../../lib/forms";
import { useTRPC } from "../../../lib/trpc";
import { NtfyFields, SmtpFields, WebhookFields } from "./ChannelKindFields";
import { ChannelPreviewPanel } from "./ChannelPreviewPanel";
import {
  type ChannelFormValues,
  channelValues,
  emptyChannelValues,
  toChannelInput,
} from "./channelForm";
import { RoutingFields } from "./RoutingFields";

const KIND_CHOICES = [
  {
    value: "webhook",
    label: "Webhook",
    hint: "A JSON body to any URL, signed with HMAC-SHA256 when a secret is set.",
    "data-testid": "channel-kind-webhook",
  },
  {
    value: "ntfy",
    label: "ntfy",
    hint: "A push notification to a topic on ntfy.sh or your own ntfy server.",
    "data-testid": "channel-kind-ntfy",
  },
  {
    value: "smtp",
    label: "E-mail (SMTP)",
    hint: "A plain-text mail to one address, threaded from raised to resolved.",
    "data-testid": "channel-kind-smtp",
  },
] as const;

const HOURS = Array.from({ length: 24 }, (_, hour) => ({
  value: String(hour),
  label: `${String(hour).padStart(2, "0")}:00`,
}));

const SECTION = "space-y-4 border-t border-slate-200 pt-4 dark:border-slate-800";
const HEADING = "text-sm font-semibold text-slate-900 dark:text-white";

/**
 * A new channel starts from a picker of the three kinds; then its destination, which alerts it
 * takes, digest mode, and a live preview of the message exactly as it will go out.
 */
export function ChannelDialog({
  channel,
  onClose,
}: {
  channel?: ChannelListItem | undefined;
  onClose: () => void;
}) {
  const [values, setValues] = useState<ChannelFormValues | undefined>(
    channel ? channelValues(channel) : undefined,
  );
  return (
    <Dialog
      open
      wide
      title={channel ? `Edit ${channel.name}` : "New channel"}
      onClose={onClose}
      data-testid="channel-dialog"
    >
      {values ? (
        <ChannelForm channel={channel} values={values} setValues={setValues} onClose={onClose} />
      ) : (
        <KindPicker onPick={(kind) => setValues(emptyChannelValues(kind))} />
      )}
    </Dialog>
  );
}

function KindPicker({ onPick }: { onPick: (kind: TChannelKind) => void }) {
  return (
    <ChoiceField
      label="Where should alerts go?"
      name="channel-kind"
      value=""
      choices={KIND_CHOICES}
      onChange={(value) => {
        const kind = CHANNEL_KINDS.find((k) => k === value);
        if (kind) onPick(kind);
      }}
    />
  );
}

interface ChannelFormProps {
  channel: ChannelListItem | undefined;
  values: ChannelFormValues;
  setValues: (
    update: (current: ChannelFormValues | undefined) => ChannelFormValues | undefined,
  ) => void;
  onClose: () => void;
}

function ChannelForm({ channel, values, setValues, onClose }: ChannelFormProps) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const patch = (next: Partial<ChannelFormValues>) =>
    setValues((current) => (current ? { ...current, ...next } : current));
  const patchKind =
    <K extends "webhook" | "ntfy" | "smtp">(kind: K) =>
    (next: Partial<ChannelFormValues[K]>) =>
      setValues((current) =>
        current ? { ...current, [kind]: { ...current[kind], ...next } } : current,
      );
  const onSuccess = () => {
    void queryClient.invalidateQueries({ queryKey: trpc.channels.pathKey() });
    onClose();
  };
  const create = useMutation(trpc.channels.create.mutationOptions({ onSuccess }));
  const update = useMutation(trpc.channels.update.mutationOptions({ onSuccess }));
  const mutation = channel ? update : create;
  const input = toChannelInput(values, channel !== undefined);
  const serverErrors = mutation.error ? describeError(mutation.error).fieldErrors : {};
  const shown = { ...serverErrors, ...errors };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const checked = validateNested(ZChannelInput, input);
    if (!checked.ok) {
      setErrors(checked.errors);
      return;
    }
    setErrors({});
    if (channel) update.mutate({ ...checked.data, id: channel.id });
    else create.mutate(checked.data);
  };

  return (
    <form
      onSubmit={onSubmit}
      noValidate
      className="space-y-4"
      data-testid="channel-form"
      data-kind={values.kind}
    >
      <FormError error={mutation.error} />
      <div className="grid gap-4 sm:grid-cols-[1fr_auto] sm:items-end">
        <TextField
          label="Name"
          placeholder={values.kind === "smtp" ? "On-call mailbox" : "Ops chat"}
          value={values.name}
          onChange={(event) => patch({ name: event.target.value })}
          error={shown.name}
          data-testid="channel-name"
        />
        <CheckboxField
          label="Enabled"
          checked={values.enabled}
          onChange={(event) => patch({ enabled: event.target.checked })}
          data-testid="channel-enabled"
        />
      </div>
      <section className={SECTION}>
        <h3 className={HEADING}>{KIND_CHOICES.find((c) => c.value === values.kind)?.label}</h3>
        {values.kind === "webhook" ? (
          <WebhookFields
            values={values.webhook}
            onChange={patchKind("webhook")}
            errors={shown}
            stored={channel?.secrets}
          />
        ) : null}
        {values.kind === "ntfy" ? (
          <NtfyFields
            values={values.ntfy}
            onChange={patchKind("ntfy")}
            errors={shown}
            stored={channel?.secrets}
          />
        ) : null}
        {values.kind === "smtp" ? (
          <SmtpFields
            values={values.smtp}
            onChange={patchKind("smtp")}
            errors={shown}
            stored={channel?.secrets}
          />
        ) : null}
        {shown.settings ? (
          <p className="text-xs text-red-600 dark:text-red-400">{shown.settings}</p>
        ) : null}
      </section>
      <section className={SECTION}>
        <h3 className={HEADING}>Which alerts</h3>
        <RoutingFields values={values} onChange={patch} />
      </section>
      <section className={SECTION}>
        <h3 className={HEADING}>When</h3>
        <CheckboxField
          label="Daily digest instead of each message"
          hint="Messages are held and sent as one summary at this hour: nobody is woken at 03:00."
          checked={values.digest}
          onChange={(event) => patch({ digest: event.target.checked })}
          data-testid="channel-digest"
        />
        {values.digest ? (
          <div className="grid gap-4 sm:grid-cols-2">
            <SelectField
              label="Hour"
              options={HOURS}
              value={values.digestHour}
              onChange={(event) => patch({ digestHour: event.target.value })}
              data-testid="channel-digest-hour"
            />
            <TextField
              label="Time zone"
              placeholder="Europe/Berlin"
              hint="An IANA zone; empty means UTC."
              value={values.digestTimeZone}
              onChange={(event) => patch({ digestTimeZone: event.target.value })}
              error={shown.digestTimeZone}
              data-testid="channel-digest-zone"
            />
          </div>
        ) : null}
      </section>
      <div className={SECTION}>
        <ChannelPreviewPanel settings={input.settings} channelId={channel?.id} />
      </div>
      <div className="flex justify-end gap-2">
        <Button onClick={onClose}>Cancel</Button>
        <Button
          type="submit"
          variant="primary"
          disabled={mutation.isPending}
          data-testid="channel-submit"
        >
          {mutation.isPending ? "Saving…" : channel ? "Save channel" : "Add channel"}
        </Button>
      </div>
    </form>
  );
}
