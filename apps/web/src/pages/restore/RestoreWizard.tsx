import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Button } from "../../components/ui/Button";
import { Dialog } from "../../components/ui/Dialog";
import { useTRPC } from "../../lib/trpc";
import type { EntryType } from "../snapshots/selection";
import { OptionsStep } from "./OptionsStep";
import { RestoreRun } from "./RestoreRun";
import { ReviewStep } from "./ReviewStep";
import {
  INITIAL_DRAFT,
  optionErrors,
  type RestoreDraft,
  type RestoreSource,
  targetErrors,
  toRestoreRequest,
} from "./restoreForm";
import { TargetStep } from "./TargetStep";
import { useRestoreTarget } from "./useRestoreTarget";

type Step = "target" | "options" | "review";
const STEPS: { step: Step; label: string }[] = [
  { step: "target", label: "Target" },
  { step: "options", label: "Options" },
  { step: "review", label: "Review" },
];

interface RestoreWizardProps {
  source: RestoreSource;
  picked: ReadonlyMap<string, EntryType>;
  onClose: () => void;
}

/**
 * The restore's steps after picking in the browser: where to, how, a review that says what will
 * be written where, then the job followed live to its counts.
 */
export function RestoreWizard({ source, picked, onClose }: RestoreWizardProps) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [step, setStep] = useState<Step>("target");
  const [draft, setDraft] = useState<RestoreDraft>(INITIAL_DRAFT);
  const targetHostId = draft.target === "host" ? draft.hostId : source.hostId;
  const target = useRestoreTarget(source.repositoryId, targetHostId);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const start = useMutation(
    trpc.restores.start.mutationOptions({
      onSuccess: () => void queryClient.invalidateQueries({ queryKey: trpc.jobs.list.pathKey() }),
    }),
  );
  const change = (patch: Partial<RestoreDraft>) => {
    setDraft((current) => ({ ...current, ...patch }));
    start.reset();
  };
  const targetHostName = target.host?.name ?? source.hostName;
  // Another host must be able to read the repository; the server refuses it otherwise.
  const blocked = step === "target" && draft.target === "host" && target.hasAccess === false;

  const next = () => {
    const found = step === "target" ? targetErrors(draft) : optionErrors(draft, picked.size);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    setStep(step === "target" ? "options" : "review");
  };
  const back = () => setStep(step === "review" ? "options" : "target");
  const run = () => start.mutate(toRestoreRequest(source, picked, draft));

  const jobId = start.data?.jobId;
  return (
    <Dialog
      open
      wide
      title={`Restore from snapshot ${source.shortId}`}
      onClose={onClose}
      data-testid="restore-wizard"
    >
      {jobId ? (
        <RestoreRun jobId={jobId} />
      ) : (
        <>
          <StepTrail current={step} />
          {step === "target" ? (
            <TargetStep
              source={source}
              draft={draft}
              change={change}
              errors={errors}
              target={target}
            />
          ) : null}
          {step === "options" ? (
            <OptionsStep draft={draft} change={change} errors={errors} pickedCount={picked.size} />
          ) : null}
          {step === "review" ? (
            <ReviewStep
              source={source}
              picked={picked}
              draft={draft}
              targetHostName={targetHostName}
              change={change}
              error={start.error}
            />
          ) : null}
        </>
      )}
      <div className="flex justify-between gap-2 border-t border-slate-200 pt-4 dark:border-slate-800">
        {jobId || step === "target" ? (
          <span />
        ) : (
          <Button onClick={back} data-testid="restore-back">
            Back
          </Button>
        )}
        <div className="flex gap-2">
          <Button onClick={onClose} data-testid="restore-close">
            {jobId ? "Close" : "Cancel"}
          </Button>
          {jobId ? null : step === "review" ? (
            <Button
              variant={draft.target === "original" ? "danger" : "primary"}
              disabled={start.isPending || (draft.target === "original" && !draft.confirmOverwrite)}
              onClick={run}
              data-testid="restore-start"
            >
              {start.isPending ? "Starting…" : draft.dryRun ? "Start dry run" : "Start restore"}
            </Button>
          ) : (
            <Button variant="primary" onClick={next} disabled={blocked} data-testid="restore-next">
              Next
            </Button>
          )}
        </div>
      </div>
    </Dialog>
  );
}

function StepTrail({ current }: { current: Step }) {
  const at = STEPS.findIndex((s) => s.step === current);
  return (
    <ol className="flex gap-4 text-xs font-medium" data-testid="restore-steps">
      {STEPS.map((s, i) => (
        <li
          key={s.step}
          aria-current={i === at ? "step" : undefined}
          className={
            i === at
              ? "text-teal-700 dark:text-teal-300"
              : i < at
                ? "text-slate-600 dark:text-slate-300"
                : "text-slate-400 dark:text-slate-500"
          }
        >
          {i + 1}. {s.label}
        </li>
      ))}
    </ol>
  );
}
