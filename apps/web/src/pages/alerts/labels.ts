import {
  ALERT_KIND_DEFAULTS,
  ALERT_KINDS,
  ALERT_SEVERITIES,
  type TAlertKind,
  type TAlertSeverity,
  type TAlertState,
} from "@restic-manager/contracts";
import type { BadgeTone } from "../../components/ui/Badge";

/** What each alert kind is called on screen. */
export const KIND_LABELS: Record<TAlertKind, string> = {
  job_failed: "Job failed",
  backup_stale: "Backup stale",
  schedule_missed: "Schedule missed",
  agent_offline: "Agent offline",
  check_failed: "Check failed",
  drill_failed: "Restore drill failed",
  lock_stale: "Repository lock held",
  repository_failing: "Repository failing",
};

export const SEVERITY_TONES: Record<TAlertSeverity, BadgeTone> = {
  info: "accent",
  warning: "warning",
  critical: "danger",
};

export const STATE_TONES: Record<TAlertState, BadgeTone> = {
  raised: "danger",
  acknowledged: "warning",
  resolved: "success",
};

/** A kind the API names but this build does not know yet still shows, by its name. */
export function kindLabel(kind: string): string {
  return (KIND_LABELS as Record<string, string>)[kind] ?? kind;
}

export function severityTone(severity: string): BadgeTone {
  return (SEVERITY_TONES as Record<string, BadgeTone>)[severity] ?? "neutral";
}

export function stateTone(state: string): BadgeTone {
  return (STATE_TONES as Record<string, BadgeTone>)[state] ?? "neutral";
}

export const KIND_OPTIONS = ALERT_KINDS.map((kind) => ({ value: kind, label: KIND_LABELS[kind] }));
export const SEVERITY_OPTIONS = ALERT_SEVERITIES.map((severity) => ({
  value: severity,
  label: severity,
}));

/** "minutes" / "failures" after a threshold, or nothing for kinds that take none. */
export function thresholdUnit(kind: TAlertKind): "minutes" | "failures" | null {
  return ALERT_KIND_DEFAULTS[kind].unit;
}
