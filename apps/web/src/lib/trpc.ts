import type { AppRouter } from "@restic-manager/api/router";
import { CREDENTIAL_PROCEDURES, MAX_BATCH_CALLS } from "@restic-manager/contracts";
import { QueryClient } from "@tanstack/react-query";
import {
  createTRPCClient,
  httpBatchLink,
  httpLink,
  httpSubscriptionLink,
  splitLink,
} from "@trpc/client";
import { createTRPCContext } from "@trpc/tanstack-react-query";
import superjson from "superjson";
import { isForbidden, isUnauthorized } from "./errors";

export const { TRPCProvider, useTRPC } = createTRPCContext<AppRouter>();

export function createApiClient() {
  return createTRPCClient<AppRouter>({
    links: [
      // Subscriptions (live job events) arrive as server-sent events; the session cookie
      // authenticates them like any other request.
      splitLink({
        condition: (op) => op.type === "subscription",
        true: httpSubscriptionLink({ url: "/trpc", transformer: superjson }),
        // Sign-ins and the like go alone: the server refuses them in a batch.
        false: splitLink({
          condition: (op) => CREDENTIAL_PROCEDURES.has(op.path),
          true: httpLink({ url: "/trpc", transformer: superjson }),
          false: httpBatchLink({
            url: "/trpc",
            transformer: superjson,
            maxItems: MAX_BATCH_CALLS,
          }),
        }),
      }),
    ],
  });
}

export function createQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 10_000,
        // Retrying cannot fix a missing sign-in or a missing role.
        retry: (failures, error) => failures < 2 && !isUnauthorized(error) && !isForbidden(error),
      },
    },
  });
}
