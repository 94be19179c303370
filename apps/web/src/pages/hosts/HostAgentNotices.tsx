import { AGENT_UPDATE_PROTOCOL } from "@restic-manager/contracts";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Link } from "react-router";
import { Alert } from "../../components/ui/Alert";
import { Button } from "../../components/ui/Button";
import { CopyBox } from "../../components/ui/CopyBox";
import type { HostDetail } from "../../lib/api-types";
import { describeError } from "../../lib/errors";
import { useTRPC } from "../../lib/trpc";

/**
 * What the host page says about the agent itself: one too old to connect (reinstall it), or a
 * newer agent the server offers (admins update it here; the agent rolls back if it fails).
 */
export function HostAgentNotices({ host, isAdmin }: { host: HostDetail; isAdmin: boolean }) {
  const tooOld = host.tooOldAgent;
  if (tooOld) {
    const { min, max } = tooOld.supported;
    return (
      <Alert tone="error" title="Reinstall this agent" data-testid="host-agent-too-old-to-connect">
        <p>
          This agent (version {tooOld.agentVersion ?? "unknown"}, protocol {tooOld.protocolVersion})
          is too old for this server (speaks {min}–{max}), and cannot update itself: reinstall it
          with the install command. It keeps its identity.
        </p>
        {tooOld.installCommand ? (
          <div className="mt-2 space-y-2">
            <CopyBox
              value={tooOld.installCommand}
              label="reinstall command"
              data-testid="reinstall-command"
            />
            {tooOld.windowsInstallCommand ? (
              <CopyBox
                value={tooOld.windowsInstallCommand}
                label="Windows reinstall command"
                data-testid="windows-reinstall-command"
              />
            ) : null}
          </div>
        ) : null}
      </Alert>
    );
  }
  if (!host.agentUpdate) return null;
  if ((host.protocolVersion ?? 0) < AGENT_UPDATE_PROTOCOL) {
    return (
      <Alert
        tone="info"
        title={`Update available: ${host.agentUpdate}`}
        data-testid="host-agent-update"
      >
        This agent (protocol {host.protocolVersion}) predates self-update: reinstall it on the
        endpoint to get {host.agentUpdate}. An enrolled endpoint keeps its identity and needs no
        token: <span className="font-mono">curl -fsSL …/agent/install.sh | sudo sh</span>.
      </Alert>
    );
  }
  return <AgentUpdateNotice host={host} version={host.agentUpdate} isAdmin={isAdmin} />;
}

function AgentUpdateNotice({
  host,
  version,
  isAdmin,
}: {
  host: HostDetail;
  version: string;
  isAdmin: boolean;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const update = useMutation(
    trpc.hosts.updateAgent.mutationOptions({
      onSuccess: () => {
        void queryClient.invalidateQueries({ queryKey: trpc.jobs.list.pathKey() });
      },
    }),
  );
  return (
    <Alert tone="info" title={`Update available: ${version}`} data-testid="host-agent-update">
      <p>
        This agent runs {host.agentVersion}; the server offers {version}. The agent downloads it,
        tries it and goes back to {host.agentVersion} if the new one does not connect.
      </p>
      {isAdmin ? (
        <div className="mt-2 flex flex-wrap items-center gap-3">
          <Button
            variant="primary"
            disabled={update.isPending || !host.online}
            onClick={() => update.mutate({ id: host.id })}
            data-testid="host-agent-update-button"
          >
            Update agent
          </Button>
          {!host.online ? <span className="text-xs">The agent must be connected.</span> : null}
          {update.data ? (
            <Link
              to={`/jobs/${update.data.jobId}`}
              className="text-sm underline"
              data-testid="host-agent-update-job"
            >
              Follow the update
            </Link>
          ) : null}
        </div>
      ) : null}
      {update.error ? (
        <p className="mt-2 text-sm font-medium" data-testid="host-agent-update-error">
          {describeError(update.error).message}
        </p>
      ) : null}
    </Alert>
  );
}
