import { ALERT_KINDS, ALERT_SEVERITIES } from "@restic-manager/contracts";
import { useQueries } from "@tanstack/react-query";
import { ChoiceSearch } from "../../../components/PagedSelectField";
import { useTRPC } from "../../../lib/trpc";
import { useHostChoices } from "../../../lib/useChoices";
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

/**
 * The hosts a channel is limited to: the chosen ones (named even when beyond the page shown)
 * and one page of the fleet, searched by name on the server.
 */
function HostChoices({
  chosen,
  onChange,
}: {
  chosen: readonly string[];
  onChange: (next: string[]) => void;
}) {
  const trpc = useTRPC();
  const choices = useHostChoices("");
  const listed = new Set(choices.items.map((host) => host.id));
  const unlisted = useQueries({
    queries: chosen
      .filter((id) => !listed.has(id))
      .map((id) => trpc.hosts.get.queryOptions({ id })),
  });
  const options = [
    ...unlisted.flatMap((query) =>
      query.data ? [{ value: query.data.id, label: query.data.name }] : [],
    ),
    ...choices.items.map((host) => ({ value: host.id, label: host.name })),
  ];
  if (options.length === 0 && !choices.searchable) return null;
  return (
    <div className="space-y-2">
      <Choices
        legend="Hosts"
        options={options}
        chosen={chosen}
        onChange={onChange}
        testId="channel-route-hosts"
      />
      <ChoiceSearch
        choices={choices}
        label="Hosts"
        placeholder="Find hosts by name"
        testId="channel-route-hosts-search"
      />
    </div>
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
      <HostChoices chosen={values.hostIds} onChange={(hostIds) => onChange({ hostIds })} />
    </div>
  );
}
