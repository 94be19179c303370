import { narrow } from "@restic-manager/contracts";
import { SelectField, TextField } from "../../components/ui/Field";
import type { FieldErrors } from "../../lib/forms";
import { DAY_LABELS, type ScheduleFormValues, TIMING_LABELS, TIMING_TYPES } from "./scheduleForm";

const TYPE_OPTIONS = TIMING_TYPES.map((value) => ({ value, label: TIMING_LABELS[value] }));

interface TimingFieldsProps {
  values: ScheduleFormValues;
  errors: FieldErrors;
  onChange: (patch: Partial<ScheduleFormValues>) => void;
}

/** A preset (hourly at a minute, daily, weekly on days, monthly on a day, at a time) or cron. */
export function TimingFields({ values, errors, onChange }: TimingFieldsProps) {
  const type = values.timingType;
  const time = (
    <TextField
      label="At"
      type="time"
      required
      value={values.time}
      onChange={(event) => onChange({ time: event.target.value })}
      error={errors["timing.time"]}
      hint="In the schedule's time zone."
      data-testid="schedule-time"
    />
  );
  return (
    <div className="space-y-4">
      <div className="grid gap-4 sm:grid-cols-2">
        <SelectField
          label="Repeat"
          options={TYPE_OPTIONS}
          value={type}
          onChange={(event) => onChange({ timingType: narrow(TIMING_TYPES, event.target.value) })}
          data-testid="schedule-timing-type"
        />
        {type === "hourly" ? (
          <TextField
            label="At minute"
            type="number"
            inputMode="numeric"
            min={0}
            max={59}
            value={values.minute}
            onChange={(event) => onChange({ minute: event.target.value })}
            error={errors["timing.minute"]}
            hint="0 to 59 past each hour."
            data-testid="schedule-minute"
          />
        ) : null}
        {type === "daily" || type === "weekly" ? time : null}
        {type === "monthly" ? (
          <TextField
            label="On day"
            type="number"
            inputMode="numeric"
            min={1}
            max={28}
            value={values.day}
            onChange={(event) => onChange({ day: event.target.value })}
            error={errors["timing.day"]}
            hint="1 to 28, so that every month has it."
            data-testid="schedule-month-day"
          />
        ) : null}
        {type === "cron" ? (
          <TextField
            label="Cron expression"
            autoComplete="off"
            spellCheck={false}
            className="font-mono"
            placeholder="30 2 * * 1-5"
            value={values.expression}
            onChange={(event) => onChange({ expression: event.target.value })}
            error={errors["timing.expression"]}
            hint="Minute, hour, day of month, month, day of week; six fields start with seconds."
            data-testid="schedule-cron"
          />
        ) : null}
      </div>
      {type === "weekly" ? <DayPicker values={values} errors={errors} onChange={onChange} /> : null}
      {type === "monthly" ? <div className="grid gap-4 sm:grid-cols-2">{time}</div> : null}
    </div>
  );
}

function DayPicker({ values, errors, onChange }: TimingFieldsProps) {
  const toggle = (day: number, on: boolean) =>
    onChange({ days: on ? [...values.days, day] : values.days.filter((d) => d !== day) });
  const error = errors["timing.days"];
  return (
    <fieldset className="space-y-1.5">
      <legend className="mb-1.5 block text-sm font-medium text-slate-700 dark:text-slate-300">
        On
      </legend>
      <div className="flex flex-wrap gap-2">
        {DAY_LABELS.map((label, day) => {
          const checked = values.days.includes(day);
          return (
            <label
              key={label}
              className={`flex cursor-pointer items-center gap-1.5 rounded-md border px-2.5 py-1.5 text-sm ${
                checked
                  ? "border-teal-500 bg-teal-50/60 dark:border-teal-500 dark:bg-teal-950/40"
                  : "border-slate-300 dark:border-slate-700"
              }`}
            >
              <input
                type="checkbox"
                checked={checked}
                onChange={(event) => toggle(day, event.target.checked)}
                data-testid={`schedule-day-${day}`}
                className="size-4 accent-teal-600 dark:accent-teal-500"
              />
              {label}
            </label>
          );
        })}
      </div>
      {error ? <p className="text-xs text-red-600 dark:text-red-400">{error}</p> : null}
    </fieldset>
  );
}
