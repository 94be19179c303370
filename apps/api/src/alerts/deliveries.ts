import { type TAlertEvent, type TChannelRouting, ZChannelRouting } from "@restic-manager/contracts";
import type { Db } from "../db.js";
import type { Prisma } from "../generated/prisma/client.js";

type Tx = Db | Prisma.TransactionClient;

/** Whether a channel's routing takes an alert: every non-empty list must name it. */
export function routes(
  routing: TChannelRouting,
  alert: { kind: string; severity: string; hostId: string | null },
): boolean {
  if (routing.severities.length > 0 && !routing.severities.includes(alert.severity as never)) {
    return false;
  }
  if (routing.kinds.length > 0 && !routing.kinds.includes(alert.kind as never)) return false;
  if (routing.hostIds.length > 0 && (!alert.hostId || !routing.hostIds.includes(alert.hostId))) {
    return false;
  }
  return true;
}

/**
 * Queues one message per channel that takes this alert event: `pending` for the delivery
 * worker, or `held` for a channel in digest mode. Written in the caller's transaction, so an
 * alert and its messages are recorded together; the worker sends them outside any request.
 */
export async function enqueueDeliveries(
  tx: Tx,
  alert: { id: string; kind: string; severity: string; hostId: string | null },
  event: TAlertEvent,
  now: Date,
): Promise<number> {
  const channels = await tx.channel.findMany({
    where: { enabled: true },
    select: { id: true, routing: true, digestHour: true },
  });
  const chosen = channels.filter((channel) =>
    routes(ZChannelRouting.parse(JSON.parse(channel.routing)), alert),
  );
  if (chosen.length === 0) return 0;
  await tx.alertDelivery.createMany({
    data: chosen.map((channel) => ({
      alertId: alert.id,
      channelId: channel.id,
      event,
      state: channel.digestHour === null ? "pending" : "held",
      nextAttemptAt: now,
    })),
  });
  return chosen.length;
}
