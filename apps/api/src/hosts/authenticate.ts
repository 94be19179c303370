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
import { type Db, directStatements } from "../db.js";
import { AppError } from "../errors.js";
import { type AgentPresence, factsOf, helloFacts, type KnownHost } from "./presence.js";
import type { AgentRegistry } from "./registry.js";

export interface AgentIdentity {
  hostId: string;
  hostName: string;
  hello: TAgentHello;
}

interface HostRow {
  id: string;
  name: string;
  credentialHash: string;
  revoked: number;
  hostname: string;
  os: string;
  arch: string | null;
  agentVersion: string | null;
  protocolVersion: number | null;
  resticVersion: string | null;
  resticProblem: string | null;
  timeZone: string | null;
  tooOld: number;
}

/**
 * The host as a connect needs it, in one statement of the server's own (see statements.ts):
 * every agent reconnecting after a restart runs this, and through Prisma it would cost many
 * times the statement's own CPU (`pnpm -C bench sqlite`).
 */
async function readHost(db: Db, id: string) {
  const row = await directStatements(db).get<HostRow>(
    `SELECT "id", "name", "credentialHash", "revokedAt" IS NOT NULL AS "revoked", "hostname",
       "os", "arch", "agentVersion", "protocolVersion", "resticVersion", "resticProblem",
       "timeZone", "refusedAt" IS NOT NULL AS "tooOld"
     FROM "Host" WHERE "id" = ?`,
    id,
  );
  return row && { ...row, revoked: row.revoked === 1, tooOld: row.tooOld === 1 };
}

const ZConnectionParams = z.object({
  credential: z.string().min(1).max(200),
  hello: z.string().max(10_000),
});

/**
 * Checks an agent's WebSocket connection params: its credential, and that it speaks a
 * protocol version this server supports. Refusals say why, and are audited.
 *
 * A host is read once per process: a reconnect checks its credential (a SHA-256) against the
 * hash kept from then, and a host revoked or deleted since is refused at once through the
 * registry (whose `end` every revocation and deletion calls), after a read that says why.
 * Its facts are written when they change; when it was seen, with the next batch.
 */
export async function authenticateAgent(
  {
    db,
    refusals,
    credentialFailures,
    agents,
    presence,
  }: {
    db: Db;
    refusals: RefusalLog;
    credentialFailures: LoginThrottle;
    agents: AgentRegistry;
    presence: AgentPresence;
  },
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
  const cached = agents.isEnded(parsed.id) ? undefined : presence.known(parsed.id);
  let host: KnownHost;
  if (cached && secretMatches(parsed.secret, cached.credentialHash)) {
    host = cached;
  } else {
    const row = await readHost(db, parsed.id);
    if (!row || !secretMatches(parsed.secret, row.credentialHash)) {
      throw await refuse("the credential is unknown", parsed.id);
    }
    if (row.revoked) throw await refuse("this host was revoked; enroll it again", row.id);
    host = {
      id: row.id,
      name: row.name,
      credentialHash: row.credentialHash,
      facts: factsOf(row),
      timeZone: row.timeZone,
      tooOld: row.tooOld,
    };
  }

  let hello: TAgentHello;
  try {
    hello = ZAgentHello.parse(JSON.parse(params.data.hello));
  } catch {
    throw await refuse("the hello message is malformed", host.id);
  }
  const { min, max } = SUPPORTED_AGENT_PROTOCOLS;
  if (hello.protocolVersion < min) {
    // Kept on the host so its pages say to reinstall: this agent cannot update itself.
    await db.host.update({
      where: { id: host.id },
      data: {
        refusedAgentVersion: hello.agentVersion,
        refusedProtocol: hello.protocolVersion,
        refusedAt: new Date(),
      },
    });
    presence.remember({ ...host, tooOld: true });
  }
  if (hello.protocolVersion < min || hello.protocolVersion > max) {
    throw await refuse(
      `agent protocol ${hello.protocolVersion} is not supported (this server speaks ${min}–${max}); ` +
        (hello.protocolVersion < min ? "upgrade the agent" : "upgrade the server"),
      host.id,
    );
  }

  const facts = helloFacts(hello, host.timeZone);
  const written = factsOf(facts);
  if (written !== host.facts || host.tooOld) {
    const cleared = { refusedAgentVersion: null, refusedProtocol: null, refusedAt: null };
    await db.host.update({
      where: { id: host.id },
      data: { ...facts, ...(host.tooOld ? cleared : {}), lastSeenAt: new Date() },
    });
  } else {
    presence.markSeen(host.id);
  }
  presence.remember({
    id: host.id,
    name: host.name,
    credentialHash: host.credentialHash,
    facts: written,
    timeZone: facts.timeZone,
    tooOld: false,
  });
  return { hostId: host.id, hostName: host.name, hello };
}
