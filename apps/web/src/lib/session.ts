import { roleAtLeast, type TRole } from "@restic-manager/contracts";
import { hashKey, useMutation, useQueryClient } from "@tanstack/react-query";
import { createContext, useContext, useMemo } from "react";
import { useNavigate } from "react-router";
import type { SignedInUser } from "./api-types";
import { useTRPC } from "./trpc";

export const SessionContext = createContext<SignedInUser | null>(null);

/** The signed-in user; only components inside the signed-in shell may call this. */
export function useSession(): SignedInUser {
  const user = useContext(SessionContext);
  if (!user) throw new Error("useSession is used outside the signed-in shell");
  return user;
}

/** Whether the signed-in user's role includes `required` (the server checks again). */
export function useRoleAtLeast(required: TRole): boolean {
  return roleAtLeast(useSession().role, required);
}

/**
 * Moves the app between signed-in and signed-out by writing the answer `auth.status` would
 * give, and drops every other cached answer so nothing of one user is shown to the next.
 */
export function useSessionTransitions() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return useMemo(() => {
    const statusKey = trpc.auth.status.queryKey();
    const statusHash = hashKey(statusKey);
    const become = (user: SignedInUser | null) => {
      queryClient.setQueryData(statusKey, { needsSetup: false, user });
      queryClient.removeQueries({ predicate: (query) => query.queryHash !== statusHash });
    };
    return {
      signedIn: (user: SignedInUser) => become(user),
      signedOut: () => become(null),
    };
  }, [trpc, queryClient]);
}

/** Ends this browser's session and shows the login page. */
export function useSignOut() {
  const trpc = useTRPC();
  const navigate = useNavigate();
  const { signedOut } = useSessionTransitions();
  const logout = useMutation(
    trpc.auth.logout.mutationOptions({
      // Even when the server already forgot the session, this browser is signed out.
      onSettled: () => {
        navigate("/");
        signedOut();
      },
    }),
  );
  return { signOut: () => logout.mutate(), pending: logout.isPending };
}
