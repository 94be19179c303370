import type { TChannelSettings } from "@restic-manager/contracts";
import type { Notice, NoticeContext } from "../message.js";
import { ntfySender } from "./ntfy.js";
import { smtpSender } from "./smtp.js";
import type { ChannelPreview, SendOutcome } from "./types.js";
import { webhookSender } from "./webhook.js";

/** The channel registry: one sender per kind, chosen here and nowhere else. */

export function previewNotice(
  settings: TChannelSettings,
  notice: Notice,
  context: NoticeContext,
): Promise<ChannelPreview> {
  switch (settings.kind) {
    case "webhook":
      return webhookSender.preview(settings, notice, context);
    case "ntfy":
      return ntfySender.preview(settings, notice, context);
    case "smtp":
      return smtpSender.preview(settings, notice, context);
    default: {
      const exhaustive: never = settings;
      return exhaustive;
    }
  }
}

export function sendNotice(
  settings: TChannelSettings,
  notice: Notice,
  context: NoticeContext & { signal: AbortSignal },
): Promise<SendOutcome> {
  switch (settings.kind) {
    case "webhook":
      return webhookSender.send(settings, notice, context);
    case "ntfy":
      return ntfySender.send(settings, notice, context);
    case "smtp":
      return smtpSender.send(settings, notice, context);
    default: {
      const exhaustive: never = settings;
      return exhaustive;
    }
  }
}

export type { ChannelPreview, SendOutcome } from "./types.js";
