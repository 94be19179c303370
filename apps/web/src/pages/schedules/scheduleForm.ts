import {
  SET_SCHEDULE_KINDS,
  type TScheduleCreate,
  type TScheduleKind,
  type TScheduleTiming,
  type TScheduleUpdateInput,
  ZScheduleCreateInput,
  ZScheduleTiming,
  ZScheduleUpdateInput,
} from "@restic-manager/contracts";
import type { ScheduleListItem } from "../../lib/api-types";
import { type FieldErrors, type Validation, validateNested } from "../../lib/forms";
import { fieldValue } from "../hosts/operations/fields";

export type TimingType = TScheduleTiming["type"];
export type Overlap = "skip" | "wait";

/** The schedule form as typed: text as entered, so a half-typed number is not lost. */
export interface ScheduleFormValues {
  kind: TScheduleKind;
  backupSetId: string;
  repositoryId: string;
  timingType: TimingType;
  minute: string;
  time: string;
  /** 0 = Sunday … 6 = Saturday. */
  days: number[];
  day: string;
  expression: string;
  /** Empty: the host's own zone. */
  timeZone: string;
  spreadMinutes: string;
  /** Empty: one interval. */
  catchUpMinutes: string;
  overlap: Overlap;
  maxUnused: string;
  readDataParts: string;
  paused: boolean;
}

export const NEW_SCHEDULE: ScheduleFormValues = {
  kind: "backup",
  backupSetId: "",
  repositoryId: "",
  timingType: "daily",
  minute: "0",
  time: "02:00",
  days: [1],
  day: "1",
  expression: "0 2 * * *",
  timeZone: "",
  spreadMinutes: "0",
  catchUpMinutes: "",
  overlap: "skip",
  maxUnused: "",
  readDataParts: "",
  paused: false,
};

export const KIND_LABELS: Record<TScheduleKind, { label: string; hint: string }> = {
  backup: { label: "Backup", hint: "Backs up a backup set's paths on its host." },
  forget: {
    label: "Forget",
    hint: "Applies a backup set's retention policy, on the repository's maintenance host.",
  },
  prune: {
    label: "Prune",
    hint: "Frees the space of forgotten snapshots, on the repository's maintenance host.",
  },
  check: {
    label: "Check",
    hint: "Verifies the repository, on its maintenance host; can read the data in turns.",
  },
  drill: {
    label: "Restore drill",
    hint: "Restores a sample of a backup set's latest snapshot into a temporary directory and verifies every file.",
  },
};

export const TIMING_TYPES = [
  "hourly",
  "daily",
  "weekly",
  "monthly",
  "cron",
] as const satisfies readonly TimingType[];

export const TIMING_LABELS: Record<TimingType, string> = {
  hourly: "Every hour",
  daily: "Every day",
  weekly: "Every week",
  monthly: "Every month",
  cron: "Cron expression",
};

export const DAY_LABELS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

export function isSetKind(kind: TScheduleKind): boolean {
  return SET_SCHEDULE_KINDS.includes(kind);
}

/** A stored schedule as form values, its timing in the fields of its preset. */
export function scheduleValues(schedule: ScheduleListItem): ScheduleFormValues {
  const { timing, options } = schedule;
  const values: ScheduleFormValues = {
    ...NEW_SCHEDULE,
    kind: schedule.kind,
    backupSetId: schedule.backupSetId ?? "",
    repositoryId: schedule.repositoryId,
    timingType: timing.type,
    timeZone: schedule.timeZone ?? "",
    spreadMinutes: String(schedule.spreadMinutes),
    catchUpMinutes: schedule.catchUpMinutes === null ? "" : String(schedule.catchUpMinutes),
    overlap: schedule.overlap,
    maxUnused: options.maxUnused ?? "",
    readDataParts: options.readDataParts === undefined ? "" : String(options.readDataParts),
    paused: schedule.paused,
  };
  switch (timing.type) {
    case "hourly":
      return { ...values, minute: String(timing.minute) };
    case "daily":
      return { ...values, time: timing.time };
    case "weekly":
      return { ...values, days: timing.days, time: timing.time };
    case "monthly":
      return { ...values, day: String(timing.day), time: timing.time };
    case "cron":
      return { ...values, expression: timing.expression };
    default: {
      const exhaustive: never = timing;
      return exhaustive;
    }
  }
}

function timingOf(values: ScheduleFormValues): Record<string, unknown> {
  switch (values.timingType) {
    case "hourly":
      return { type: "hourly", minute: fieldValue("number", values.minute) };
    case "daily":
      return { type: "daily", time: values.time };
    case "weekly":
      return { type: "weekly", days: [...values.days].sort((a, b) => a - b), time: values.time };
    case "monthly":
      return { type: "monthly", day: fieldValue("number", values.day), time: values.time };
    case "cron":
      return { type: "cron", expression: values.expression };
    default: {
      const exhaustive: never = values.timingType;
      return exhaustive;
    }
  }
}

/** The timing alone, for the live preview: its field errors keyed `timing.<field>`. */
export function toTiming(values: ScheduleFormValues): Validation<TScheduleTiming> {
  const checked = validateNested(ZScheduleTiming, timingOf(values));
  if (checked.ok) return checked;
  return { ok: false, errors: prefixed("timing", checked.errors) };
}

/** The spread window as a number, for the preview while the rest of the form is unfinished. */
export function spreadOf(values: ScheduleFormValues): number {
  const spread = fieldValue("number", values.spreadMinutes);
  return typeof spread === "number" && spread >= 0 ? spread : 0;
}

function fieldsOf(values: ScheduleFormValues) {
  const options: Record<string, unknown> = {};
  if (values.kind === "prune" && values.maxUnused.trim()) {
    options.maxUnused = values.maxUnused.trim();
  }
  if (values.kind === "check") {
    const parts = fieldValue("number", values.readDataParts);
    if (parts !== undefined) options.readDataParts = parts;
  }
  return {
    timing: timingOf(values),
    timeZone: values.timeZone.trim() || null,
    spreadMinutes: fieldValue("number", values.spreadMinutes) ?? 0,
    catchUpMinutes: fieldValue("number", values.catchUpMinutes) ?? null,
    overlap: values.overlap,
    options,
    paused: values.paused,
  };
}

/** Says what the contract's messages cannot: which target is missing, what unused space takes. */
function explained(values: ScheduleFormValues, errors: FieldErrors): FieldErrors {
  const found = { ...errors };
  if (found["options.maxUnused"]) {
    found["options.maxUnused"] = "A percentage (5%), a size (2G) or unlimited";
  }
  if (found[""]) {
    const target = isSetKind(values.kind) ? "backupSetId" : "repositoryId";
    found[target] = isSetKind(values.kind) ? "Choose a backup set" : "Choose a repository";
    delete found[""];
  }
  return found;
}

export function toCreateInput(values: ScheduleFormValues): Validation<TScheduleCreate> {
  const setKind = isSetKind(values.kind);
  const checked = validateNested(ZScheduleCreateInput, {
    ...fieldsOf(values),
    kind: values.kind,
    ...(setKind ? { backupSetId: values.backupSetId || undefined } : {}),
    ...(setKind ? {} : { repositoryId: values.repositoryId || undefined }),
  });
  return checked.ok ? checked : { ok: false, errors: explained(values, checked.errors) };
}

export function toUpdateInput(
  values: ScheduleFormValues,
  id: string,
): Validation<TScheduleUpdateInput> {
  const checked = validateNested(ZScheduleUpdateInput, { ...fieldsOf(values), id });
  return checked.ok ? checked : { ok: false, errors: explained(values, checked.errors) };
}

function prefixed(prefix: string, errors: FieldErrors): FieldErrors {
  return Object.fromEntries(
    Object.entries(errors).map(([field, message]) => [
      field ? `${prefix}.${field}` : prefix,
      message,
    ]),
  );
}
