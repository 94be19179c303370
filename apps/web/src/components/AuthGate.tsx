import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { describeError, isUnauthorized } from "../lib/errors";
import { SessionContext } from "../lib/session";
import { useTRPC } from "../lib/trpc";
import { FirstRunPage } from "../pages/FirstRunPage";
import { LoginPage } from "../pages/LoginPage";
import { AppRoutes } from "./AppRoutes";
import { FullPageError, FullPageLoading } from "./FullPageStatus";

/** Decides between first-run, sign-in and the app, from what `auth.status` says. */
export function AuthGate() {
  const trpc = useTRPC();
  const status = useQuery(trpc.auth.status.queryOptions());
  useRecheckStatusOnUnauthorized();

  if (status.isPending) return <FullPageLoading />;
  if (!status.data) {
    return (
      <FullPageError
        message={describeError(status.error).message}
        onRetry={() => void status.refetch()}
      />
    );
  }
  const { needsSetup, user } = status.data;
  if (needsSetup) return <FirstRunPage />;
  if (!user) return <LoginPage />;
  return (
    <SessionContext value={user}>
      <AppRoutes />
    </SessionContext>
  );
}

/**
 * A session can end under the app (expired, revoked elsewhere, account disabled). Any call
 * refused as UNAUTHORIZED makes the gate ask again, which then shows the login page.
 */
function useRecheckStatusOnUnauthorized() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();

  useEffect(() => {
    const statusKey = trpc.auth.status.queryKey();
    const recheck = (error: unknown) => {
      if (isUnauthorized(error)) void queryClient.invalidateQueries({ queryKey: statusKey });
    };
    const stopQueries = queryClient.getQueryCache().subscribe((event) => {
      if (event.type === "updated" && event.action.type === "error") recheck(event.action.error);
    });
    const stopMutations = queryClient.getMutationCache().subscribe((event) => {
      if (event.type === "updated" && event.action.type === "error") recheck(event.action.error);
    });
    return () => {
      stopQueries();
      stopMutations();
    };
  }, [trpc, queryClient]);
}
