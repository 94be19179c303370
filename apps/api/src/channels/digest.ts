import { Cron } from "croner";
import type { Db } from "../db.js";

/**
 * Digest mode: a channel with a digest hour holds its messages (`held`) and, once a day at
 * that hour in its time zone, gathers them into one `digest` delivery the worker sends like
 * any other. The held ones point at it (`digestId`) and count as sent when it is.
 */

/** The latest digest time before `now`: today's hour in the zone, or yesterday's. */
export function lastDigestSlot(hour: number, timeZone: string | null, now: Date): Date {
  const cron = new Cron(`0 ${hour} * * *`, { timezone: timeZone ?? "UTC", paused: true });
  const [slot] = cron.previousRuns(1, now);
  // A daily pattern always has a previous run; a day back is the same answer in words.
  return slot ?? new Date(now.getTime() - 86_400_000);
}

/**
 * Makes a digest for every channel whose hour came since its last one (or since it was set
 * up, see `lastDigestAt` in the channel service). A channel with nothing held only moves on.
 */
export async function gatherDueDigests(db: Db, now: Date): Promise<number> {
  const channels = await db.channel.findMany({
    where: { enabled: true, digestHour: { not: null } },
    select: {
      id: true,
      digestHour: true,
      digestTimeZone: true,
      lastDigestAt: true,
      createdAt: true,
    },
  });
  let made = 0;
  for (const channel of channels) {
    if (channel.digestHour === null) continue;
    const slot = lastDigestSlot(channel.digestHour, channel.digestTimeZone, now);
    if (slot <= (channel.lastDigestAt ?? channel.createdAt)) continue;
    made += await db.$transaction(async (tx) => {
      const held = { channelId: channel.id, state: "held", digestId: null };
      await tx.channel.update({ where: { id: channel.id }, data: { lastDigestAt: now } });
      if ((await tx.alertDelivery.count({ where: held })) === 0) return 0;
      const digest = await tx.alertDelivery.create({
        data: { channelId: channel.id, event: "digest", state: "pending", nextAttemptAt: now },
        select: { id: true },
      });
      await tx.alertDelivery.updateMany({ where: held, data: { digestId: digest.id } });
      return 1;
    });
  }
  return made;
}
