import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert } from "../../components/ui/Alert";
import { Button } from "../../components/ui/Button";
import { Card } from "../../components/ui/Card";
import { describeError } from "../../lib/errors";
import { formatDateTime } from "../../lib/format";
import { useTRPC } from "../../lib/trpc";

/** Enrollment tokens that could still enroll a host, so an unused one can be withdrawn. */
export function EnrollmentsCard() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const enrollments = useQuery(trpc.hosts.enrollments.queryOptions());
  const revoke = useMutation(
    trpc.hosts.revokeEnrollment.mutationOptions({
      onSettled: () =>
        queryClient.invalidateQueries({ queryKey: trpc.hosts.enrollments.queryKey() }),
    }),
  );
  const active = enrollments.data?.filter((token) => token.status === "active") ?? [];
  if (active.length === 0 && !enrollments.error) return null;

  return (
    <Card
      title="Unused enrollment tokens"
      description="Each enrolls one host until it expires. Revoke one you handed out by mistake."
      data-testid="enrollments"
    >
      {enrollments.error ? (
        <Alert tone="error">{describeError(enrollments.error).message}</Alert>
      ) : null}
      {revoke.error ? <Alert tone="error">{describeError(revoke.error).message}</Alert> : null}
      <ul className="divide-y divide-slate-200 dark:divide-slate-800">
        {active.map((token) => (
          <li
            key={token.id}
            data-testid="enrollment-row"
            className="flex flex-wrap items-center justify-between gap-x-6 gap-y-2 py-3 first:pt-0 last:pb-0"
          >
            <div className="min-w-0">
              <p className="text-sm font-medium text-slate-800 dark:text-slate-200">
                {token.note ?? "No note"}
              </p>
              <p className="text-xs text-slate-500 dark:text-slate-400">
                Created by {token.createdBy} · expires {formatDateTime(token.expiresAt)}
              </p>
            </div>
            <Button
              size="sm"
              data-testid="enrollment-revoke"
              disabled={revoke.isPending}
              onClick={() => revoke.mutate({ id: token.id })}
            >
              Revoke
            </Button>
          </li>
        ))}
      </ul>
    </Card>
  );
}
