import { JOB_KIND_TRAITS, OPERATION_KINDS, type TOperationKind } from "@restic-manager/contracts";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Play } from "lucide-react";
import { type FormEvent, useState } from "react";
import { Link, useNavigate } from "react-router";
import { PagedSelectField } from "../../../components/PagedSelectField";
import { Alert } from "../../../components/ui/Alert";
import { Button } from "../../../components/ui/Button";
import { Card } from "../../../components/ui/Card";
import { SelectField } from "../../../components/ui/Field";
import { FormError } from "../../../components/ui/FormError";
import { describeError } from "../../../lib/errors";
import type { FieldErrors } from "../../../lib/forms";
import { useTRPC } from "../../../lib/trpc";
import { useRepositoryChoices } from "../../../lib/useChoices";
import { OPERATIONS } from "./kinds";
import { OperationFields } from "./OperationFields";
import { initialValues, toJobParams } from "./params";
import { blockedReason, endpointHint } from "./repositoryAccess";

const KIND_OPTIONS = Object.entries(OPERATIONS).map(([kind, spec]) => ({
  value: kind,
  label: spec.label,
}));

/** Starts any restic operation on one host; the new job's page shows how it goes. */
export function RunOperationCard({ hostId }: { hostId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [kind, setKind] = useState<TOperationKind>("backup");
  const [repositoryId, setRepositoryId] = useState("");
  const repositories = useRepositoryChoices(repositoryId);
  const [values, setValues] = useState(() => initialValues("backup"));
  const [errors, setErrors] = useState<FieldErrors>({});
  const spec = OPERATIONS[kind];
  const { needsRepository } = JOB_KIND_TRAITS[kind];
  const noRepositories =
    !repositories.pending && repositories.items.length === 0 && repositories.search === "";
  const chosenRepository = repositoryId || repositories.items[0]?.id || "";
  const repository = needsRepository
    ? repositories.items.find((r) => r.id === chosenRepository)
    : undefined;
  const blocked = blockedReason(kind, hostId, repository);

  const create = useMutation(
    trpc.jobs.create.mutationOptions({
      onSuccess: ({ id }) => {
        void queryClient.invalidateQueries({ queryKey: trpc.jobs.list.pathKey() });
        navigate(`/jobs/${id}`);
      },
      onError: (error) => setErrors(describeError(error).fieldErrors),
    }),
  );

  const chooseKind = (value: string) => {
    const chosen = OPERATION_KINDS.find((operation) => operation === value);
    if (!chosen) return;
    setKind(chosen);
    setValues(initialValues(chosen));
    setErrors({});
    create.reset();
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const checked = toJobParams(kind, values);
    const repositoryError: FieldErrors =
      needsRepository && !chosenRepository ? { repositoryId: "Choose a repository" } : {};
    const found = { ...(checked.ok ? {} : checked.errors), ...repositoryError };
    setErrors(found);
    if (!checked.ok || Object.keys(found).length > 0 || blocked) return;
    create.mutate({
      hostId,
      repositoryId: needsRepository ? chosenRepository : undefined,
      params: checked.data,
    });
  };

  const formError = errors[""] ?? errors.params;
  return (
    <Card title="Run an operation" description={spec.description} data-testid="run-operation">
      <form onSubmit={onSubmit} noValidate className="space-y-5" data-testid="operation-form">
        <FormError error={create.error} />
        {formError ? (
          <Alert tone="error" data-testid="op-form-error">
            {formError}
          </Alert>
        ) : null}
        <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
          <SelectField
            label="Operation"
            options={KIND_OPTIONS}
            value={kind}
            onChange={(event) => chooseKind(event.target.value)}
            data-testid="op-kind"
          />
          {needsRepository ? (
            <PagedSelectField
              label="Repository"
              choices={repositories}
              optionOf={(r) => ({
                value: r.id,
                label: r.status === "ready" ? r.name : `${r.name} (setting up)`,
              })}
              searchPlaceholder="Find a repository by name…"
              searchTestId="repository-search"
              value={chosenRepository}
              disabled={noRepositories}
              onChange={(event) => setRepositoryId(event.target.value)}
              error={errors.repositoryId}
              hint={
                noRepositories ? (
                  <>
                    No repositories yet:{" "}
                    <Link to="/repositories" className="text-teal-700 underline dark:text-teal-300">
                      add one
                    </Link>{" "}
                    first.
                  </>
                ) : (
                  endpointHint(hostId, repository)
                )
              }
              data-testid="op-repository"
            />
          ) : null}
        </div>
        {blocked ? (
          <Alert tone="warning" data-testid="op-blocked">
            {blocked}
          </Alert>
        ) : null}
        {spec.fields.length > 0 ? (
          <OperationFields
            fields={spec.fields}
            values={values}
            errors={errors}
            onChange={(name, value) => setValues((current) => ({ ...current, [name]: value }))}
          />
        ) : null}
        <Button
          type="submit"
          variant="primary"
          disabled={create.isPending || blocked !== undefined}
          data-testid="op-submit"
        >
          <Play className="size-4" aria-hidden />
          {create.isPending ? "Starting…" : "Run"}
        </Button>
      </form>
    </Card>
  );
}
