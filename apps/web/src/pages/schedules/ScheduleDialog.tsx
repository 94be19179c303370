import { narrow, SCHEDULE_KINDS } from "@restic-manager/contracts";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import { Link } from "react-router";
import { BackupSetSelectField, RepositorySelectField } from "../../components/ChoiceFields";
import { Alert } from "../../components/ui/Alert";
import { Button } from "../../components/ui/Button";
import { Dialog } from "../../components/ui/Dialog";
import { CheckboxField, ChoiceField, SelectField, TextField } from "../../components/ui/Field";
import { FormError } from "../../components/ui/FormError";
import type { BackupSet, RepositorySummary, ScheduleListItem } from "../../lib/api-types";
import { describeError } from "../../lib/errors";
import type { FieldErrors } from "../../lib/forms";
import { useTRPC } from "../../lib/trpc";
import { useBackupSetChoices, useRepositoryChoices } from "../../lib/useChoices";
import { SchedulePreview } from "./SchedulePreview";
import {
  isSetKind,
  KIND_LABELS,
  NEW_SCHEDULE,
  type ScheduleFormValues,
  scheduleValues,
  toCreateInput,
  toUpdateInput,
} from "./scheduleForm";
import { TimingFields } from "./TimingFields";

const KIND_OPTIONS = SCHEDULE_KINDS.map((kind) => ({
  value: kind,
  label: KIND_LABELS[kind].label,
}));
const OVERLAP_CHOICES = [
  {
    value: "skip",
    label: "Skip it",
    hint: "A slot that comes while the last run still goes is left out.",
    "data-testid": "schedule-overlap-skip",
  },
  {
    value: "wait",
    label: "Run after",
    hint: "It starts once the last run has ended.",
    "data-testid": "schedule-overlap-wait",
  },
];
const TIME_ZONES: readonly string[] =
  typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
const LINK = "text-teal-700 underline dark:text-teal-300";

interface ScheduleDialogProps {
  /** The schedule to edit; a new one when absent. */
  schedule?: ScheduleListItem | undefined;
  onClose: () => void;
}

/** Creates or edits a schedule: what runs, when (with its next runs), and how it behaves. */
export function ScheduleDialog({ schedule, onClose }: ScheduleDialogProps) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const zonesId = useId();
  const [values, setValues] = useState(() => (schedule ? scheduleValues(schedule) : NEW_SCHEDULE));
  const sets = useBackupSetChoices(values.backupSetId);
  const repositories = useRepositoryChoices(values.repositoryId);
  const [errors, setErrors] = useState<FieldErrors>({});
  const onChange = (patch: Partial<ScheduleFormValues>) =>
    setValues((current) => ({ ...current, ...patch }));
  const onSaved = {
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: trpc.schedules.pathKey() });
      onClose();
    },
    onError: (error: unknown) => setErrors(describeError(error).fieldErrors),
  };
  const create = useMutation(trpc.schedules.create.mutationOptions(onSaved));
  const update = useMutation(trpc.schedules.update.mutationOptions(onSaved));
  const save = schedule ? update : create;

  const setKind = isSetKind(values.kind);
  const readyRepositories = {
    ...repositories,
    items: repositories.items.filter((r) => r.status === "ready"),
  };
  const chosen = {
    ...values,
    backupSetId: values.backupSetId || sets.items[0]?.id || "",
    repositoryId: values.repositoryId || readyRepositories.items[0]?.id || "",
  };
  const set = sets.items.find((s) => s.id === chosen.backupSetId);
  // A set's schedule runs where its repository is maintained: read that repository by itself.
  const setRepository = useQuery(
    trpc.repositories.get.queryOptions(
      { id: set?.repositoryId ?? "" },
      { enabled: setKind && set !== undefined },
    ),
  );
  const repository = setKind
    ? setRepository.data
    : readyRepositories.items.find((r) => r.id === chosen.repositoryId);
  const noSets = !sets.pending && sets.items.length === 0 && sets.search === "";
  const noRepositories =
    !repositories.pending && readyRepositories.items.length === 0 && repositories.search === "";
  const runsOn =
    schedule?.hostId ?? (values.kind === "backup" ? set?.hostId : repository?.maintenanceHostId);

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (schedule) {
      const checked = toUpdateInput(chosen, schedule.id);
      setErrors(checked.ok ? {} : checked.errors);
      if (checked.ok) update.mutate(checked.data);
      return;
    }
    const checked = toCreateInput(chosen);
    setErrors(checked.ok ? {} : checked.errors);
    if (checked.ok) create.mutate(checked.data);
  };

  return (
    <Dialog
      open
      wide
      title={schedule ? `Edit the ${schedule.kind} schedule` : "New schedule"}
      onClose={onClose}
      data-testid="schedule-dialog"
    >
      <form onSubmit={onSubmit} noValidate className="space-y-5" data-testid="schedule-form">
        <FormError error={save.error} />
        <div className="grid gap-4 sm:grid-cols-2">
          <SelectField
            label="Runs"
            options={KIND_OPTIONS}
            value={values.kind}
            disabled={schedule !== undefined}
            onChange={(event) => onChange({ kind: narrow(SCHEDULE_KINDS, event.target.value) })}
            hint={KIND_LABELS[values.kind].hint}
            data-testid="schedule-kind"
          />
          {setKind ? (
            <BackupSetSelectField
              label="Backup set"
              choices={sets}
              value={chosen.backupSetId}
              disabled={schedule !== undefined || noSets}
              onChange={(event) => onChange({ backupSetId: event.target.value })}
              error={errors.backupSetId}
              hint={
                noSets
                  ? "No backup set yet: add one on a host's page first."
                  : set
                    ? `Into ${set.repositoryName}.`
                    : undefined
              }
              data-testid="schedule-backup-set"
            />
          ) : (
            <RepositorySelectField
              label="Repository"
              choices={readyRepositories}
              value={chosen.repositoryId}
              disabled={schedule !== undefined || noRepositories}
              onChange={(event) => onChange({ repositoryId: event.target.value })}
              error={errors.repositoryId}
              hint={
                repository?.maintenanceHostName
                  ? `Runs on ${repository.maintenanceHostName}.`
                  : undefined
              }
              data-testid="schedule-repository"
            />
          )}
        </div>
        <TargetProblem kind={values.kind} set={set} repository={repository} />

        <fieldset className="space-y-4">
          <legend className="mb-3 text-xs font-medium tracking-wider text-slate-500 uppercase dark:text-slate-400">
            When
          </legend>
          <TimingFields values={values} errors={errors} onChange={onChange} />
          <SchedulePreview values={values} hostId={runsOn ?? undefined} />
          <div className="grid gap-4 sm:grid-cols-3">
            <TextField
              label="Time zone"
              list={zonesId}
              autoComplete="off"
              placeholder="the host's zone"
              value={values.timeZone}
              onChange={(event) => onChange({ timeZone: event.target.value })}
              error={errors.timeZone}
              hint="Empty: the host's own zone."
              data-testid="schedule-time-zone"
            />
            <datalist id={zonesId}>
              {TIME_ZONES.map((zone) => (
                <option key={zone} value={zone} />
              ))}
            </datalist>
            <TextField
              label="Spread over (minutes)"
              type="number"
              inputMode="numeric"
              min={0}
              value={values.spreadMinutes}
              onChange={(event) => onChange({ spreadMinutes: event.target.value })}
              error={errors.spreadMinutes}
              hint="Each host starts at its own stable offset within this window, so a fleet does not start at once."
              data-testid="schedule-spread"
            />
            <TextField
              label="Catch up within (minutes)"
              type="number"
              inputMode="numeric"
              min={0}
              placeholder="one interval"
              value={values.catchUpMinutes}
              onChange={(event) => onChange({ catchUpMinutes: event.target.value })}
              error={errors.catchUpMinutes}
              hint="A slot missed while the host was off runs once when it returns within this. Empty: one interval."
              data-testid="schedule-catch-up"
            />
          </div>
        </fieldset>

        <ChoiceField
          label="When a slot comes while the last run still goes"
          name="overlap"
          value={values.overlap}
          choices={OVERLAP_CHOICES}
          onChange={(value) => onChange({ overlap: value === "wait" ? "wait" : "skip" })}
        />
        {values.kind === "prune" ? (
          <div className="grid gap-4 sm:grid-cols-2">
            <TextField
              label="Unused space to tolerate"
              autoComplete="off"
              placeholder="5%"
              value={values.maxUnused}
              onChange={(event) => onChange({ maxUnused: event.target.value })}
              error={errors["options.maxUnused"]}
              hint="A percentage, a size or unlimited. Empty: restic's default."
              data-testid="schedule-max-unused"
            />
          </div>
        ) : null}
        {values.kind === "check" ? (
          <div className="grid gap-4 sm:grid-cols-2">
            <TextField
              label="Read the data in parts"
              type="number"
              inputMode="numeric"
              min={1}
              max={365}
              placeholder="structure only"
              value={values.readDataParts}
              onChange={(event) => onChange({ readDataParts: event.target.value })}
              error={errors["options.readDataParts"]}
              hint="N: each run reads the next of N parts, so all data is read every N runs. Empty: check the structure only."
              data-testid="schedule-read-parts"
            />
          </div>
        ) : null}
        <CheckboxField
          label="Paused"
          hint="A paused schedule keeps its settings but does not run until resumed."
          checked={values.paused}
          onChange={(event) => onChange({ paused: event.target.checked })}
          data-testid="schedule-paused"
        />
        <div className="flex justify-end gap-2">
          <Button onClick={onClose}>Cancel</Button>
          <Button
            type="submit"
            variant="primary"
            disabled={save.isPending}
            data-testid="schedule-submit"
          >
            {save.isPending ? "Saving…" : schedule ? "Save changes" : "Create schedule"}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

/** What stops this target from running on a schedule, said before the server refuses it. */
function TargetProblem({
  kind,
  set,
  repository,
}: {
  kind: ScheduleFormValues["kind"];
  set: BackupSet | undefined;
  repository: RepositorySummary | undefined;
}) {
  let problem: string | undefined;
  if (kind !== "backup" && repository && !repository.maintenanceHostId) {
    problem = `“${repository.name}” has no maintenance host, so ${kind} cannot run on a schedule: give it a maintenance endpoint and host first.`;
  } else if (kind === "forget" && set && !set.retention) {
    problem = `“${set.name}” has no retention policy to apply: give it one in the backup set's dialog on its host's page first.`;
  }
  if (!problem) return null;
  return (
    <Alert tone="warning" data-testid="schedule-target-problem">
      {problem}{" "}
      {kind === "forget" && set ? (
        <Link to={`/hosts/${set.hostId}`} className={LINK}>
          Open {set.hostName}
        </Link>
      ) : repository ? (
        <Link to={`/repositories/${repository.id}`} className={LINK}>
          Open {repository.name}
        </Link>
      ) : null}
    </Alert>
  );
}
