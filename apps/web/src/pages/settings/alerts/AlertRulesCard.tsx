import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { QueryStatus } from "../../../components/QueryStatus";
import { Button } from "../../../components/ui/Button";
import { Card } from "../../../components/ui/Card";
import { Table, Td, Th } from "../../../components/ui/Table";
import type { AlertRule } from "../../../lib/api-types";
import { errorSentence } from "../../../lib/errors";
import { useTRPC } from "../../../lib/trpc";
import { KIND_LABELS, SEVERITY_OPTIONS } from "../../alerts/labels";

const CONTROL =
  "rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm shadow-sm dark:border-slate-700 dark:bg-slate-900";

/** Each kind of alert for the whole fleet: on or off, how severe, and after how long. */
export function AlertRulesCard() {
  const trpc = useTRPC();
  const rules = useQuery(trpc.alerts.rules.queryOptions());
  return (
    <Card
      title="Rules"
      description="What raises an alert across the fleet. A host can override these on its own page (a laptop that is off at weekends)."
      data-testid="alert-rules"
    >
      <QueryStatus query={rules} loading="Loading rules…" />
      {rules.data ? (
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
            {rules.data.map((rule) => (
              <RuleRow
                key={`${rule.kind}:${rule.enabled}:${rule.severity}:${rule.threshold}`}
                rule={rule}
              />
            ))}
          </tbody>
        </Table>
      ) : null}
    </Card>
  );
}

function RuleRow({ rule }: { rule: AlertRule }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [enabled, setEnabled] = useState(rule.enabled);
  const [severity, setSeverity] = useState(rule.severity);
  const [threshold, setThreshold] = useState(rule.threshold === null ? "" : String(rule.threshold));
  const update = useMutation(
    trpc.alerts.updateRule.mutationOptions({
      onSuccess: (rules) => queryClient.setQueryData(trpc.alerts.rules.queryKey(), rules),
    }),
  );
  const thresholdValue = rule.unit === null ? null : Number(threshold);
  const thresholdOk =
    rule.unit === null || (Number.isInteger(thresholdValue) && (thresholdValue ?? 0) >= 1);
  const changed =
    enabled !== rule.enabled ||
    severity !== rule.severity ||
    (rule.unit !== null && threshold !== String(rule.threshold ?? ""));

  return (
    <tr data-testid="alert-rule" data-kind={rule.kind}>
      <Td className="font-medium whitespace-nowrap text-slate-900 dark:text-white">
        {KIND_LABELS[rule.kind]}
      </Td>
      <Td>
        <input
          type="checkbox"
          aria-label={`${KIND_LABELS[rule.kind]} alerts on`}
          data-testid="rule-enabled"
          checked={enabled}
          onChange={(event) => setEnabled(event.target.checked)}
          className="size-4 accent-teal-600"
        />
      </Td>
      <Td>
        <select
          aria-label={`${KIND_LABELS[rule.kind]} severity`}
          data-testid="rule-severity"
          value={severity}
          onChange={(event) => setSeverity(event.target.value as AlertRule["severity"])}
          className={CONTROL}
        >
          {SEVERITY_OPTIONS.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      </Td>
      <Td className="whitespace-nowrap">
        {rule.unit === null ? (
          <span className="text-slate-400">at once</span>
        ) : (
          <span className="flex items-center gap-2">
            <input
              type="number"
              min={1}
              aria-label={`${KIND_LABELS[rule.kind]} threshold in ${rule.unit}`}
              data-testid="rule-threshold"
              value={threshold}
              onChange={(event) => setThreshold(event.target.value)}
              className={`${CONTROL} w-24 ${thresholdOk ? "" : "border-red-500"}`}
            />
            <span className="text-xs text-slate-500">{rule.unit}</span>
          </span>
        )}
        {update.error ? (
          <p className="mt-1 text-xs text-red-600 dark:text-red-400">
            {errorSentence(update.error)}
          </p>
        ) : null}
      </Td>
      <Td className="text-right">
        <Button
          size="sm"
          data-testid="rule-save"
          disabled={!changed || !thresholdOk || update.isPending}
          onClick={() =>
            update.mutate({ kind: rule.kind, enabled, severity, threshold: thresholdValue })
          }
        >
          Save
        </Button>
      </Td>
    </tr>
  );
}
