import { randomBytes } from "node:crypto";
import type { TAgentQuery, TQueryAnswer, TQueryReply } from "@restic-manager/contracts";
import { AppError } from "../errors.js";
import type { AgentRegistry } from "../hosts/registry.js";
import type { Reader } from "./readers.js";

interface Pending {
  hostId: string;
  resolve(answer: TQueryAnswer): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * Questions to agents and their answers: a query goes out on the agent's command stream and
 * the answer comes back as `agent.queryReply`, matched by id and host. A query whose agent
 * goes away, or that takes longer than its timeout, fails with the reason.
 */
export class AgentQueries {
  private readonly pending = new Map<string, Pending>();

  constructor(registry: AgentRegistry) {
    registry.events.on("offline", (hostId) => {
      for (const [id, query] of this.pending) {
        if (query.hostId !== hostId) continue;
        this.pending.delete(id);
        clearTimeout(query.timer);
        query.reject(new AppError("CONFLICT", "The reading host went offline; try again"));
      }
    });
  }

  ask(reader: Reader, query: TAgentQuery, timeoutMs: number): Promise<TQueryAnswer> {
    const id = `q_${randomBytes(12).toString("base64url")}`;
    return new Promise<TQueryAnswer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new AppError(
            "CONFLICT",
            `${reader.hostName} did not answer within ${Math.round(timeoutMs / 1000)} s`,
          ),
        );
      }, timeoutMs);
      timer.unref();
      this.pending.set(id, { hostId: reader.hostId, resolve, reject, timer });
      reader.connection.send({ type: "query", id, repository: reader.repository, query });
    });
  }

  /** An agent's answer; one for a query it was not asked (or one that ended) is ignored. */
  reply(hostId: string, reply: TQueryReply): { accepted: boolean } {
    const query = this.pending.get(reply.id);
    if (!query || query.hostId !== hostId) return { accepted: false };
    this.pending.delete(reply.id);
    clearTimeout(query.timer);
    if (reply.ok) query.resolve(reply.answer);
    else query.reject(new AppError("BAD_REQUEST", reply.error));
    return { accepted: true };
  }

  get size(): number {
    return this.pending.size;
  }
}
