import { useMutation, useQuery } from "@tanstack/react-query";
import { LogOut } from "lucide-react";
import { QueryStatus } from "../../components/QueryStatus";
import { Alert } from "../../components/ui/Alert";
import { Badge } from "../../components/ui/Badge";
import { Button } from "../../components/ui/Button";
import { Card } from "../../components/ui/Card";
import { describeError } from "../../lib/errors";
import { describeUserAgent, formatDateTime, formatRelative } from "../../lib/format";
import { useSessionTransitions } from "../../lib/session";
import { useTRPC } from "../../lib/trpc";

export function SessionsCard() {
  const trpc = useTRPC();
  const { signedOut } = useSessionTransitions();
  const sessions = useQuery(trpc.auth.sessions.queryOptions());
  const revokeAll = useMutation(
    trpc.auth.revokeAllSessions.mutationOptions({ onSuccess: () => signedOut() }),
  );

  return (
    <Card
      title="Your sessions"
      description="Browsers where you are signed in. Signing out everywhere includes this one."
      actions={
        <Button
          variant="danger"
          size="sm"
          data-testid="revoke-all-sessions"
          disabled={revokeAll.isPending}
          onClick={() => revokeAll.mutate()}
        >
          <LogOut className="size-3.5" aria-hidden />
          Sign out everywhere
        </Button>
      }
    >
      {revokeAll.error ? (
        <Alert tone="error">{describeError(revokeAll.error).message}</Alert>
      ) : null}
      <QueryStatus query={sessions} />
      <ul className="divide-y divide-slate-200 dark:divide-slate-800" data-testid="session-list">
        {sessions.data?.map((session) => (
          <li
            key={session.id}
            data-testid="session-row"
            className="flex flex-wrap items-center justify-between gap-x-6 gap-y-1 py-3 first:pt-0 last:pb-0"
          >
            <div className="min-w-0">
              <p className="flex items-center gap-2 text-sm font-medium text-slate-800 dark:text-slate-200">
                {describeUserAgent(session.userAgent)}
                {session.current ? <Badge tone="accent">This browser</Badge> : null}
              </p>
              <p className="text-xs text-slate-500 dark:text-slate-400">
                {session.ip ?? "unknown address"} · signed in {formatDateTime(session.createdAt)}
              </p>
            </div>
            <p className="text-xs text-slate-500 dark:text-slate-400">
              Last active {formatRelative(session.lastSeenAt)}
            </p>
          </li>
        ))}
      </ul>
    </Card>
  );
}
