import { ZLoginInput } from "@restic-manager/contracts";
import { useMutation } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { AuthLayout } from "../components/AuthLayout";
import { Alert } from "../components/ui/Alert";
import { Button } from "../components/ui/Button";
import { TextField } from "../components/ui/Field";
import { describeError } from "../lib/errors";
import { type FieldErrors, useCountdown, useFormValues, validate } from "../lib/forms";
import { useSessionTransitions } from "../lib/session";
import { useTRPC } from "../lib/trpc";

const EMPTY = { username: "", password: "" };

export function LoginPage() {
  const trpc = useTRPC();
  const { signedIn } = useSessionTransitions();
  const { values, bind, setValues } = useFormValues(EMPTY);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [retryAt, setRetryAt] = useState<number>();
  const waitSeconds = useCountdown(retryAt);

  const login = useMutation(
    trpc.auth.login.mutationOptions({
      onSuccess: ({ user }) => signedIn(user),
      onError: (error) => {
        const problem = describeError(error);
        setErrors(problem.fieldErrors);
        setRetryAt(
          problem.retryAfterSeconds === undefined
            ? undefined
            : Date.now() + problem.retryAfterSeconds * 1000,
        );
        setValues((current) => ({ ...current, password: "" }));
      },
    }),
  );

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const checked = validate(ZLoginInput, values);
    setErrors(checked.ok ? {} : checked.errors);
    if (checked.ok) login.mutate(checked.data);
  };

  return (
    <AuthLayout data-testid="login" title="Sign in" description="Sign in to manage your backups.">
      <form onSubmit={onSubmit} noValidate className="space-y-4">
        {login.error ? <LoginError error={login.error} waitSeconds={waitSeconds} /> : null}
        <TextField
          label="Username"
          autoComplete="username"
          autoFocus
          data-testid="login-username"
          error={errors.username}
          {...bind("username")}
        />
        <TextField
          label="Password"
          type="password"
          autoComplete="current-password"
          data-testid="login-password"
          error={errors.password}
          {...bind("password")}
        />
        <Button
          type="submit"
          variant="primary"
          className="w-full"
          disabled={login.isPending || waitSeconds > 0}
          data-testid="login-submit"
        >
          {login.isPending ? "Signing in…" : "Sign in"}
        </Button>
      </form>
    </AuthLayout>
  );
}

function LoginError({ error, waitSeconds }: { error: unknown; waitSeconds: number }) {
  const problem = describeError(error);
  if (problem.retryAfterSeconds === undefined) {
    return (
      <Alert tone="error" data-testid="form-error">
        {problem.message}
      </Alert>
    );
  }
  return (
    <Alert tone="warning" title="Too many failed sign-ins" data-testid="form-error">
      {waitSeconds > 0 ? (
        <>
          Sign-in is paused for this account. Try again in{" "}
          <span data-testid="retry-after">{waitSeconds}</span>{" "}
          {waitSeconds === 1 ? "second" : "seconds"}.
        </>
      ) : (
        "You can try again now."
      )}
    </Alert>
  );
}
