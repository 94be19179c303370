import {
  ZAlertAckInput,
  ZAlertListInput,
  ZAlertOverrideInput,
  ZAlertRuleInput,
  ZById,
  ZDate,
  ZId,
} from "@restic-manager/contracts";
import { z } from "zod";
import { recordAudit } from "../audit/service.js";
import { found } from "../errors.js";
import { adminProcedure, operatorProcedure, router, viewerProcedure } from "../trpc/trpc.js";
import { ZMaintenanceWindow } from "./quiet.js";

export const alertsRouter = router({
  list: viewerProcedure
    .input(ZAlertListInput)
    .query(({ ctx, input }) => ctx.deps.alerts.list(input)),

  /** One alert with its history and every delivery attempt. */
  get: viewerProcedure.input(ZById).query(({ ctx, input }) => ctx.deps.alerts.get(input.id)),

  /** Open alerts by severity: the navigation's badge. */
  counts: viewerProcedure.query(({ ctx }) => ctx.deps.alerts.openCounts()),

  acknowledge: operatorProcedure
    .input(ZAlertAckInput)
    .mutation(({ ctx, input }) =>
      ctx.deps.alerts.acknowledge(input.ids, input.note, ctx.actor, ctx.meta),
    ),

  resolve: operatorProcedure
    .input(z.object({ ids: z.array(ZId).min(1).max(500) }))
    .mutation(({ ctx, input }) => ctx.deps.alerts.resolveByHand(input.ids, ctx.actor, ctx.meta)),

  snooze: operatorProcedure
    .input(z.object({ id: ZId, until: ZDate }))
    .mutation(async ({ ctx, input }) => {
      await ctx.deps.alerts.snooze(input.id, input.until, ctx.actor, ctx.meta);
      return { ok: true };
    }),

  rules: viewerProcedure.query(({ ctx }) => ctx.deps.alerts.listRules()),

  updateRule: adminProcedure
    .input(ZAlertRuleInput)
    .mutation(({ ctx, input }) => ctx.deps.alerts.updateRule(input, ctx.actor, ctx.meta)),

  /** A host's own rules, quiet times and snooze. */
  hostSettings: viewerProcedure.input(z.object({ hostId: ZId })).query(async ({ ctx, input }) => {
    const host = found(
      await ctx.deps.db.host.findUnique({
        where: { id: input.hostId },
        select: { maintenanceWindows: true, alertsSnoozedUntil: true, alertOverrides: true },
      }),
      "No such host",
    );
    return {
      maintenanceWindows: z.array(ZMaintenanceWindow).parse(JSON.parse(host.maintenanceWindows)),
      snoozedUntil: host.alertsSnoozedUntil,
      overrides: host.alertOverrides,
    };
  }),

  setHostQuiet: adminProcedure
    .input(
      z.object({
        hostId: ZId,
        maintenanceWindows: z.array(ZMaintenanceWindow).max(20),
        snoozedUntil: ZDate.nullable(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      await ctx.deps.db.$transaction(async (tx) => {
        const host = found(
          await tx.host.findUnique({ where: { id: input.hostId } }),
          "No such host",
        );
        await tx.host.update({
          where: { id: host.id },
          data: {
            maintenanceWindows: JSON.stringify(input.maintenanceWindows),
            alertsSnoozedUntil: input.snoozedUntil,
          },
        });
        await recordAudit(tx, {
          action: "alert_rule.updated",
          actor: ctx.actor,
          target: { type: "host", id: host.id, name: host.name },
          ip: ctx.meta.ip,
          details: {
            maintenanceWindows: input.maintenanceWindows,
            snoozedUntil: input.snoozedUntil,
          },
        });
      });
      return { ok: true };
    }),

  setOverride: adminProcedure.input(ZAlertOverrideInput).mutation(async ({ ctx, input }) => {
    const { hostId, kind, ...rule } = input;
    found(await ctx.deps.db.host.findUnique({ where: { id: hostId } }), "No such host");
    const cleared = rule.enabled === null && rule.severity === null && rule.threshold === null;
    await ctx.deps.db.$transaction(async (tx) => {
      if (cleared) {
        await tx.alertOverride.deleteMany({ where: { hostId, kind } });
      } else {
        await tx.alertOverride.upsert({
          where: { hostId_kind: { hostId, kind } },
          create: { hostId, kind, ...rule },
          update: rule,
        });
      }
      await recordAudit(tx, {
        action: "alert_rule.updated",
        actor: ctx.actor,
        target: { type: "host", id: hostId, name: kind },
        ip: ctx.meta.ip,
        details: { kind, ...rule },
      });
    });
    return { ok: true };
  }),
});
