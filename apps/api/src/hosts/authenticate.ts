import {
  SUPPORTED_AGENT_PROTOCOLS,
  type TAgentHello,
  ZAgentHello,
} from "@restic-manager/contracts";
import { z } from "zod";
import type { RefusalLog } from "../audit/refusals.js";
import type { RequestMeta } from "../auth/actor.js";
import { parseToken, secretMatches } from "../auth/opaqueToken.js";
import type { LoginThrottle } from "../auth/throttle.js";
import type { Db } from "../db.js";
import { AppError } from "../errors.js";

export interface AgentIdentity {
  hostId: string;
  hostName: string;
  hello: TAgentHello;
}

const ZConnectionParams = z.object({
  credential: z.string().min(1).max(200),
  hello: z.string().max(10_000),
});

/**
 * Checks an agent's WebSocket connection params: its credential, and that it speaks a
 * protocol version this server supports. Refusals say why, and are audited.
 */
export async function authenticateAgent(
  {
    db,
    refusals,
    credentialFailures,
  }: { db: Db; refusals: RefusalLog; credentialFailures: LoginThrottle },
  connectionParams: unknown,
  meta: RequestMeta,
): Promise<AgentIdentity> {
  const refuse = async (reason: string, hostId?: string) => {
    credentialFailures.recordFailure(meta.ip ?? "unknown");
    await refusals.record({
      action: "host.connect_refused",
      ip: meta.ip,
      reason,
      target: hostId ? { type: "host", id: hostId } : undefined,
    });
    return new AppError("UNAUTHORIZED", `Agent connection refused: ${reason}`);
  };

  const params = ZConnectionParams.safeParse(connectionParams);
  if (!params.success)
    throw await refuse("the connection params must carry a credential and a hello");
  const parsed = parseToken("rma", params.data.credential);
  if (!parsed) throw await refuse("the credential is malformed");
  const host = await db.host.findUnique({ where: { id: parsed.id } });
  if (!host || !secretMatches(parsed.secret, host.credentialHash)) {
    throw await refuse("the credential is unknown", parsed.id);
  }
  if (host.revokedAt) throw await refuse("this host was revoked; enroll it again", host.id);

  let hello: TAgentHello;
  try {
    hello = ZAgentHello.parse(JSON.parse(params.data.hello));
  } catch {
    throw await refuse("the hello message is malformed", host.id);
  }
  const { min, max } = SUPPORTED_AGENT_PROTOCOLS;
  if (hello.protocolVersion < min || hello.protocolVersion > max) {
    throw await refuse(
      `agent protocol ${hello.protocolVersion} is not supported (this server speaks ${min}–${max}); ` +
        (hello.protocolVersion < min ? "upgrade the agent" : "upgrade the server"),
      host.id,
    );
  }

  await db.host.update({
    where: { id: host.id },
    data: {
      hostname: hello.hostname,
      os: hello.os,
      arch: hello.arch,
      agentVersion: hello.agentVersion,
      protocolVersion: hello.protocolVersion,
      resticVersion: hello.restic.version,
      resticProblem: hello.restic.problem,
      ...(hello.timeZone ? { timeZone: hello.timeZone } : {}),
      lastSeenAt: new Date(),
    },
  });
  return { hostId: host.id, hostName: host.name, hello };
}
