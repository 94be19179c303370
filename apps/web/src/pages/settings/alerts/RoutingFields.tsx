import { ALERT_KINDS, ALERT_SEVERITIES } from "@restic-manager/contracts";
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "../../../lib/trpc";
import { KIND_LABELS } from "../../alerts/labels";
import type { ChannelFormValues } from "./channelForm";

type Routing = Pick<ChannelFormValues, "severities" | "kinds" | "hostIds">;

function toggled<T>(list: readonly T[], item: T, on: boolean): T[] {
  return on ? [...list, item] : list.filter((x) => x !== item);
}

function Choices<T extends string>({
  legend,
  options,
  chosen,
  onChange,
  testId,
}: {
  legend: string;
  options: readonly { value: T; label: string }[];
  chosen: readonly T[];
  onChange: (next: T[]) => void;
  testId: string;
}) {
  return (
    <fieldset data-testid={testId}>
      <legend className="mb-1.5 text-sm font-medium text-slate-700 dark:text-slate-300">
        {legend}{" "}
        <span className="font-normal text-slate-500">
          {chosen.length === 0 ? "(all)" : `(${chosen.length} chosen)`}
        </span>
      </legend>
      <div className="flex flex-wrap gap-x-4 gap-y-1.5">
        {options.map((option) => (
          <label
            key={option.value}
            className="flex items-center gap-1.5 text-sm text-slate-700 dark:text-slate-300"
          >
            <input
              type="checkbox"
              value={option.value}
              checked={chosen.includes(option.value)}
              onChange={(event) => onChange(toggled(chosen, option.value, event.target.checked))}
              className="size-4 accent-teal-600"
            />
            {option.label}
          </label>
        ))}
      </div>
    </fieldset>
  );
}

/** Which alerts reach the channel: a list left empty takes every one. */
export function RoutingFields({
  values,
  onChange,
}: {
  values: Routing;
  onChange: (patch: Partial<Routing>) => void;
}) {
  const trpc = useTRPC();
  const hosts = useQuery(trpc.hosts.list.queryOptions({ limit: 200 }));
  return (
    <div className="space-y-4">
      <Choices
        legend="Severities"
        options={ALERT_SEVERITIES.map((value) => ({ value, label: value }))}
        chosen={values.severities}
        onChange={(severities) => onChange({ severities })}
        testId="channel-route-severities"
      />
      <Choices
        legend="Kinds"
        options={ALERT_KINDS.map((value) => ({ value, label: KIND_LABELS[value] }))}
        chosen={values.kinds}
        onChange={(kinds) => onChange({ kinds })}
        testId="channel-route-kinds"
      />
      {hosts.data && hosts.data.items.length > 0 ? (
        <Choices
          legend="Hosts"
          options={hosts.data.items.map((host) => ({ value: host.id, label: host.name }))}
          chosen={values.hostIds}
          onChange={(hostIds) => onChange({ hostIds })}
          testId="channel-route-hosts"
        />
      ) : null}
    </div>
  );
}
