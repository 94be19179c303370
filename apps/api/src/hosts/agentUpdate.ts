import { SUPPORTED_AGENT_PROTOCOLS } from "@restic-manager/contracts";
import type { Actor, RequestMeta } from "../auth/actor.js";
import type { Db } from "../db.js";
import { AppError, found } from "../errors.js";
import type { JobService } from "../jobs/service.js";
import { agentReleases } from "./agentRelease.js";
import type { AgentRegistry } from "./registry.js";

/**
 * An admin's "Update agent": an `agent-update` job for one connected host, naming the bundle
 * this server serves (version, size, sha256) so the agent checks what it downloads. The job is
 * audited as every job is (`job.started`, with who asked). Refused, with the reason, when the
 * host is offline or already runs that version, and (through the job kind's traits) when its
 * agent predates self-update.
 */
export async function requestAgentUpdate(
  deps: {
    db: Db;
    agents: AgentRegistry;
    jobs: Pick<JobService, "create">;
    config: { agentDir: string | undefined };
  },
  hostId: string,
  actor: Actor,
  meta: RequestMeta,
) {
  const host = found(
    await deps.db.host.findUnique({
      where: { id: hostId },
      select: { id: true, name: true, agentVersion: true, revokedAt: true },
    }),
    "No such host",
  );
  if (host.revokedAt) throw new AppError("BAD_REQUEST", `${host.name} was revoked`);
  const release = agentReleases(deps.config.agentDir).current();
  if (!release) {
    throw new AppError(
      "BAD_REQUEST",
      "This server has no agent bundle to offer (RM_AGENT_DIR/agent.mjs with its version line): build it with `pnpm build`",
    );
  }
  const { min, max } = SUPPORTED_AGENT_PROTOCOLS;
  if (release.protocol < min || release.protocol > max) {
    throw new AppError(
      "BAD_REQUEST",
      `The served agent ${release.version} speaks protocol ${release.protocol}, which this server does not (${min}–${max})`,
    );
  }
  if (!deps.agents.isOnline(host.id)) {
    throw new AppError(
      "BAD_REQUEST",
      `${host.name} is offline: an agent updates itself only while connected`,
    );
  }
  if (host.agentVersion === release.version) {
    throw new AppError("BAD_REQUEST", `${host.name} already runs agent ${release.version}`);
  }
  const job = await deps.jobs.create(
    {
      hostId: host.id,
      params: {
        kind: "agent-update",
        version: release.version,
        sha256: release.sha256,
        size: release.size,
      },
    },
    actor,
    meta,
    { ownAction: true },
  );
  return { jobId: job.id, version: release.version };
}
