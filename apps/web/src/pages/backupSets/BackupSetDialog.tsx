import { backupSetTags, retentionHasRules } from "@restic-manager/contracts";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Link } from "react-router";
import { RepositorySelectField } from "../../components/ChoiceFields";
import { Alert } from "../../components/ui/Alert";
import { Button } from "../../components/ui/Button";
import { Dialog } from "../../components/ui/Dialog";
import { TextField } from "../../components/ui/Field";
import { FormError } from "../../components/ui/FormError";
import type { BackupSet } from "../../lib/api-types";
import { describeError } from "../../lib/errors";
import type { FieldErrors } from "../../lib/forms";
import { useTRPC } from "../../lib/trpc";
import { useRepositoryChoices } from "../../lib/useChoices";
import { OperationFields } from "../hosts/operations/OperationFields";
import {
  BACKUP_SET_FIELDS,
  backupSetValues,
  retentionValues,
  toBackupSetOptions,
  toRetention,
} from "./backupSetForm";
import { RetentionFields } from "./RetentionFields";

interface BackupSetDialogProps {
  hostId: string;
  /** The set to edit; a new one when absent. */
  set?: BackupSet | undefined;
  onClose: () => void;
}

/**
 * Creates or edits a backup set: a name, a repository, the allow-listed backup options and the
 * retention that keeps its snapshots in check.
 */
export function BackupSetDialog({ hostId, set, onClose }: BackupSetDialogProps) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [name, setName] = useState(set?.name ?? "");
  const [repositoryId, setRepositoryId] = useState(set?.repositoryId ?? "");
  const repositories = useRepositoryChoices(repositoryId);
  const ready = { ...repositories, items: repositories.items.filter((r) => r.status === "ready") };
  const noneReady = !repositories.pending && ready.items.length === 0 && repositories.search === "";
  const [values, setValues] = useState(() => backupSetValues(set?.options));
  const [retention, setRetention] = useState(() => retentionValues(set?.retention));
  const [forgetAfterBackup, setForgetAfterBackup] = useState(set?.forgetAfterBackup ?? false);
  const [errors, setErrors] = useState<FieldErrors>({});
  const onSaved = {
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: trpc.backupSets.pathKey() });
      void queryClient.invalidateQueries({ queryKey: trpc.repositories.pathKey() });
      // A set's schedules read its retention and go with it.
      void queryClient.invalidateQueries({ queryKey: trpc.schedules.pathKey() });
      onClose();
    },
    onError: (error: unknown) => setErrors(describeError(error).fieldErrors),
  };
  const create = useMutation(trpc.backupSets.create.mutationOptions(onSaved));
  const update = useMutation(trpc.backupSets.update.mutationOptions(onSaved));
  const save = set ? update : create;
  const chosen = repositoryId || ready.items[0]?.id || "";

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const options = toBackupSetOptions(values);
    const policy = toRetention(retention);
    const found: FieldErrors = {
      ...(options.ok ? {} : options.errors),
      ...(policy.ok ? {} : policy.errors),
    };
    if (!name.trim()) found.name = "Name is required";
    if (!chosen) found.repositoryId = "Choose a repository";
    const kept = policy.ok && retentionHasRules(policy.data) ? policy.data : null;
    if (forgetAfterBackup && policy.ok && !kept) {
      found.forgetAfterBackup = "Give at least one keep rule to apply after each backup";
    }
    setErrors(found);
    if (!options.ok || !policy.ok || Object.keys(found).length > 0) return;
    const input = {
      name: name.trim(),
      hostId,
      repositoryId: chosen,
      options: options.data,
      retention: kept,
      forgetAfterBackup,
    };
    if (set) update.mutate({ ...input, id: set.id });
    else create.mutate(input);
  };

  const tags = set ? backupSetTags(hostId, set.id).join(", ") : "rm-host:… and rm-set:…";
  return (
    <Dialog
      open
      wide
      title={set ? `Edit “${set.name}”` : "Add a backup set"}
      onClose={onClose}
      data-testid="backup-set-dialog"
    >
      <form onSubmit={onSubmit} noValidate className="space-y-5" data-testid="backup-set-form">
        <FormError error={save.error} />
        {errors[""] ? <Alert tone="error">{errors[""]}</Alert> : null}
        <div className="grid gap-4 sm:grid-cols-2">
          <TextField
            label="Name"
            placeholder="e.g. home"
            autoComplete="off"
            value={name}
            onChange={(event) => setName(event.target.value)}
            error={errors.name}
            data-testid="set-name"
          />
          <RepositorySelectField
            label="Repository"
            choices={ready}
            value={chosen}
            disabled={noneReady}
            onChange={(event) => setRepositoryId(event.target.value)}
            error={errors.repositoryId}
            hint={
              noneReady ? (
                <>
                  No repository is ready yet:{" "}
                  <Link to="/repositories" className="text-teal-700 underline dark:text-teal-300">
                    add one
                  </Link>{" "}
                  first.
                </>
              ) : undefined
            }
            data-testid="set-repository"
          />
        </div>
        <OperationFields
          fields={BACKUP_SET_FIELDS}
          values={values}
          errors={errors}
          onChange={(field, value) => setValues((current) => ({ ...current, [field]: value }))}
          testIdPrefix="set-"
        />
        <p className="text-xs text-slate-500 dark:text-slate-400">
          Its snapshots are also tagged <span className="font-mono">{tags}</span>, so retention can
          be kept to this set.
        </p>
        <RetentionFields
          setId={set?.id}
          values={retention}
          errors={errors}
          onChange={(field, value) => setRetention((current) => ({ ...current, [field]: value }))}
          forgetAfterBackup={forgetAfterBackup}
          onForgetAfterBackup={setForgetAfterBackup}
          policy={() => toRetention(retention)}
          onInvalid={setErrors}
        />
        <div className="flex justify-end gap-2">
          <Button onClick={onClose}>Cancel</Button>
          <Button
            type="submit"
            variant="primary"
            disabled={save.isPending}
            data-testid="set-submit"
          >
            {save.isPending ? "Saving…" : set ? "Save changes" : "Add backup set"}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
