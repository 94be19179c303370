import { ALERT_KINDS, type TAlertKind, type TAlertSeverity } from "@restic-manager/contracts";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Button } from "../../components/ui/Button";
import { Table, Td, Th } from "../../components/ui/Table";
import type { AlertRule, HostAlertSettings } from "../../lib/api-types";
import { errorSentence } from "../../lib/errors";
import { useTRPC } from "../../lib/trpc";
import { KIND_LABELS, SEVERITY_OPTIONS, thresholdUnit } from "../alerts/labels";

type Override = HostAlertSettings["overrides"][number];

const CONTROL =
  "rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm shadow-sm dark:border-slate-700 dark:bg-slate-900";

/** Per kind: the fleet's rule, or this host's own on/off, severity and threshold. */
export function HostAlertOverrides({
  hostId,
  overrides,
}: {
  hostId: string;
  overrides: Override[];
}) {
  const trpc = useTRPC();
  const rules = useQuery(trpc.alerts.rules.queryOptions());
  const byKind = new Map(overrides.map((o) => [o.kind, o]));
  const fleet = new Map((rules.data ?? []).map((rule) => [rule.kind, rule]));
  return (
    <div className="space-y-3" data-testid="host-overrides">
      <h3 className="text-sm font-semibold text-slate-900 dark:text-white">This host's rules</h3>
      <Table>
        <thead>
          <tr>
            <Th>Kind</Th>
            <Th>On</Th>
            <Th>Severity</Th>
            <Th>Threshold</Th>
            <Th className="text-right">Save</Th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-200 dark:divide-slate-800">
          {ALERT_KINDS.map((kind) => {
            const override = byKind.get(kind);
            return (
              <OverrideRow
                key={`${kind}:${JSON.stringify(override ?? null)}`}
                hostId={hostId}
                kind={kind}
                override={override}
                fleet={fleet.get(kind)}
              />
            );
          })}
        </tbody>
      </Table>
    </div>
  );
}

function OverrideRow({
  hostId,
  kind,
  override,
  fleet,
}: {
  hostId: string;
  kind: TAlertKind;
  override: Override | undefined;
  fleet: AlertRule | undefined;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const unit = thresholdUnit(kind);
  const [enabled, setEnabled] = useState(
    override?.enabled === null || override?.enabled === undefined ? "" : String(override.enabled),
  );
  const [severity, setSeverity] = useState(override?.severity ?? "");
  const [threshold, setThreshold] = useState(
    override?.threshold === null || override?.threshold === undefined
      ? ""
      : String(override.threshold),
  );
  const save = useMutation(
    trpc.alerts.setOverride.mutationOptions({
      onSuccess: () =>
        void queryClient.invalidateQueries({
          queryKey: trpc.alerts.hostSettings.queryKey({ hostId }),
        }),
    }),
  );
  const thresholdValue = threshold.trim() === "" ? null : Number(threshold);
  const thresholdOk =
    thresholdValue === null || (Number.isInteger(thresholdValue) && thresholdValue >= 1);
  const fleetEnabled = fleet ? (fleet.enabled ? "on" : "off") : "…";

  return (
    <tr data-testid="host-override" data-kind={kind} data-overridden={override ? "true" : "false"}>
      <Td className="font-medium whitespace-nowrap text-slate-900 dark:text-white">
        {KIND_LABELS[kind]}
      </Td>
      <Td>
        <select
          aria-label={`${KIND_LABELS[kind]} on this host`}
          className={CONTROL}
          value={enabled}
          onChange={(event) => setEnabled(event.target.value)}
        >
          <option value="">as the fleet ({fleetEnabled})</option>
          <option value="true">on</option>
          <option value="false">off</option>
        </select>
      </Td>
      <Td>
        <select
          aria-label={`${KIND_LABELS[kind]} severity on this host`}
          className={CONTROL}
          value={severity}
          onChange={(event) => setSeverity(event.target.value)}
        >
          <option value="">as the fleet ({fleet?.severity ?? "…"})</option>
          {SEVERITY_OPTIONS.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      </Td>
      <Td className="whitespace-nowrap">
        {unit === null ? (
          <span className="text-slate-400">at once</span>
        ) : (
          <span className="flex items-center gap-2">
            <input
              type="number"
              min={1}
              aria-label={`${KIND_LABELS[kind]} threshold on this host, in ${unit}`}
              placeholder={fleet?.threshold === null || !fleet ? "" : String(fleet.threshold)}
              className={`${CONTROL} w-24 ${thresholdOk ? "" : "border-red-500"}`}
              value={threshold}
              onChange={(event) => setThreshold(event.target.value)}
            />
            <span className="text-xs text-slate-500">{unit}</span>
          </span>
        )}
        {save.error ? (
          <p className="mt-1 text-xs text-red-600 dark:text-red-400">{errorSentence(save.error)}</p>
        ) : null}
      </Td>
      <Td className="text-right">
        <Button
          size="sm"
          disabled={!thresholdOk || save.isPending}
          onClick={() =>
            save.mutate({
              hostId,
              kind,
              enabled: enabled === "" ? null : enabled === "true",
              severity: severity === "" ? null : (severity as TAlertSeverity),
              threshold: unit === null ? null : thresholdValue,
            })
          }
        >
          Save
        </Button>
      </Td>
    </tr>
  );
}
