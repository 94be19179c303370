import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Alert } from "../../components/ui/Alert";
import { Button } from "../../components/ui/Button";
import { Dialog } from "../../components/ui/Dialog";
import { TextAreaField, TextField } from "../../components/ui/Field";
import { describeError } from "../../lib/errors";
import { type FieldErrors, useFormValues } from "../../lib/forms";
import { useTRPC } from "../../lib/trpc";
import { parseEnvLines } from "./env";

const EMPTY = { name: "", url: "", password: "", env: "" };

function requiredErrors(values: typeof EMPTY): FieldErrors {
  const errors: FieldErrors = {};
  if (!values.name.trim()) errors.name = "Name is required";
  if (!values.url.trim()) errors.url = "The repository is required";
  if (!values.password) errors.password = "The repository password is required";
  return errors;
}

export function AddRepositoryDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { values, bind, reset } = useFormValues(EMPTY);
  const [errors, setErrors] = useState<FieldErrors>({});
  const create = useMutation(
    trpc.repositories.create.mutationOptions({
      onSuccess: () => {
        void queryClient.invalidateQueries({ queryKey: trpc.repositories.list.queryKey() });
        close();
      },
      onError: (error) => setErrors(describeError(error).fieldErrors),
    }),
  );

  function close() {
    reset();
    setErrors({});
    create.reset();
    onClose();
  }

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const env = parseEnvLines(values.env);
    const found = { ...requiredErrors(values), ...(env.ok ? {} : env.errors) };
    setErrors(found);
    if (!env.ok || Object.keys(found).length > 0) return;
    create.mutate({
      name: values.name.trim(),
      url: values.url.trim(),
      password: values.password,
      env: env.data,
    });
  };

  return (
    <Dialog
      open={open}
      title="Add a repository"
      onClose={close}
      wide
      data-testid="add-repository-dialog"
    >
      <form onSubmit={onSubmit} noValidate className="space-y-4" data-testid="create-repository">
        {create.error ? (
          <Alert tone="error" data-testid="form-error">
            {describeError(create.error).message}
          </Alert>
        ) : null}
        <TextField
          label="Name"
          placeholder="e.g. office-nas"
          autoComplete="off"
          data-testid="repo-name"
          error={errors.name}
          {...bind("name")}
        />
        <TextField
          label="Repository"
          placeholder="rest:https://backup.example.org/host1"
          autoComplete="off"
          spellCheck={false}
          hint="Anything restic accepts as -r: rest:, s3:, sftp:, b2:, a local path…"
          data-testid="repo-url"
          error={errors.url}
          {...bind("url")}
        />
        <TextField
          label="Repository password"
          type="password"
          autoComplete="new-password"
          hint="Stored encrypted and never shown again. Keep a copy: without it the backups cannot be read."
          data-testid="repo-password"
          error={errors.password}
          {...bind("password")}
        />
        <TextAreaField
          label="Environment variables (optional)"
          placeholder={"AWS_ACCESS_KEY_ID=…\nAWS_SECRET_ACCESS_KEY=…"}
          spellCheck={false}
          hint="Credentials for the storage backend, one KEY=value per line. Stored encrypted."
          data-testid="repo-env"
          error={errors.env}
          {...bind("env")}
        />
        <div className="flex justify-end gap-2">
          <Button onClick={close}>Cancel</Button>
          <Button
            type="submit"
            variant="primary"
            disabled={create.isPending}
            data-testid="repo-submit"
          >
            {create.isPending ? "Saving…" : "Add repository"}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
