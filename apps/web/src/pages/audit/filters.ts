import { type TAuditListInput, ZAuditAction, ZAuditOutcome } from "@restic-manager/contracts";

/** The filter form's values, as typed; empty means "any". */
export const EMPTY_FILTERS = { action: "", actor: "", target: "", outcome: "", from: "", to: "" };
export type AuditFilterValues = typeof EMPTY_FILTERS;

/** Turns the form into the `audit.list` input; dates cover whole local days. */
export function toAuditInput(values: AuditFilterValues): Omit<TAuditListInput, "cursor"> {
  return {
    action: ZAuditAction.safeParse(values.action).data,
    outcome: ZAuditOutcome.safeParse(values.outcome).data,
    actor: values.actor.trim() || undefined,
    target: values.target.trim() || undefined,
    from: values.from ? new Date(`${values.from}T00:00:00`) : undefined,
    to: values.to ? new Date(`${values.to}T23:59:59.999`) : undefined,
    limit: 50,
  };
}
