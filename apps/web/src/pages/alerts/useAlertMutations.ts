import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "../../lib/trpc";

/**
 * Acknowledge, resolve and snooze. Each refreshes every alerts query (lists, the alert, the
 * navigation's count): that is how the badge learns of a change made here.
 */
export function useAlertMutations(onDone?: () => void) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const onSuccess = () => {
    onDone?.();
    void queryClient.invalidateQueries({ queryKey: trpc.alerts.pathKey() });
  };
  return {
    acknowledge: useMutation(trpc.alerts.acknowledge.mutationOptions({ onSuccess })),
    resolve: useMutation(trpc.alerts.resolve.mutationOptions({ onSuccess })),
    snooze: useMutation(trpc.alerts.snooze.mutationOptions({ onSuccess })),
  };
}
