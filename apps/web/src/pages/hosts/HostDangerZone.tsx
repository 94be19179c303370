import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useNavigate } from "react-router";
import { Button } from "../../components/ui/Button";
import { Card } from "../../components/ui/Card";
import { ConfirmDialog } from "../../components/ui/ConfirmDialog";
import type { HostDetail } from "../../lib/api-types";
import { describeError } from "../../lib/errors";
import { useTRPC } from "../../lib/trpc";

type OpenDialog = "revoke" | "remove" | undefined;

/** Revoking cuts the agent off at once; deleting also drops the host and its job history. */
export function HostDangerZone({ host }: { host: HostDetail }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [dialog, setDialog] = useState<OpenDialog>();
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.hosts.pathKey() });
  const revoke = useMutation(
    trpc.hosts.revoke.mutationOptions({
      onSuccess: () => {
        setDialog(undefined);
        void refresh();
      },
    }),
  );
  const remove = useMutation(
    trpc.hosts.remove.mutationOptions({
      onSuccess: () => {
        void refresh();
        navigate("/hosts");
      },
    }),
  );
  const pending = dialog === "revoke" ? revoke : remove;
  const revoked = host.revokedAt !== null;

  return (
    <>
      <Card
        title="Access"
        description={
          revoked
            ? "This host's agent can no longer connect. Deleting it also deletes its job history."
            : "Revoking stops this host's agent at once: its credential no longer works."
        }
        data-testid="host-danger-zone"
        actions={
          <>
            {revoked ? null : (
              <Button
                variant="danger"
                data-testid="host-revoke"
                onClick={() => setDialog("revoke")}
              >
                Revoke host
              </Button>
            )}
            <Button data-testid="host-remove" onClick={() => setDialog("remove")}>
              Delete host
            </Button>
          </>
        }
      />
      <ConfirmDialog
        open={dialog !== undefined}
        title={dialog === "revoke" ? `Revoke ${host.name}?` : `Delete ${host.name}?`}
        confirmLabel={dialog === "revoke" ? "Revoke host" : "Delete host"}
        pending={pending.isPending}
        error={pending.error ? describeError(pending.error).message : undefined}
        onConfirm={() =>
          dialog === "revoke" ? revoke.mutate({ id: host.id }) : remove.mutate({ id: host.id })
        }
        onClose={() => {
          setDialog(undefined);
          revoke.reset();
          remove.reset();
        }}
      >
        {dialog === "revoke"
          ? "Its agent is disconnected and cannot reconnect; jobs it was running are lost. To bring the host back, enroll it again with a new token."
          : "The host and its job history are deleted. Its agent, if still running, cannot connect any more."}
      </ConfirmDialog>
    </>
  );
}
