import { createHmac } from "node:crypto";
import { type TWebhookBody, WEBHOOK_SCHEMA_VERSION } from "@restic-manager/contracts";
import { type Notice, webhookAlert } from "../message.js";
import { describeHttpError, describeStatus, exchange, type HttpRequest } from "./http.js";
import { type ChannelSender, MASKED, type SettingsOf } from "./types.js";

export const SIGNATURE_HEADER = "X-Restic-Manager-Signature";

/** The versioned JSON body (ZWebhookBody documents it). */
export function webhookBody(notice: Notice, publicUrl: string, now: Date): TWebhookBody {
  const sentAt = now.toISOString();
  if (notice.type === "digest") {
    return {
      schemaVersion: WEBHOOK_SCHEMA_VERSION,
      event: "digest",
      sentAt,
      alerts: notice.entries.map((e) => ({
        ...webhookAlert(e.alert, publicUrl),
        events: e.events,
      })),
    };
  }
  return {
    schemaVersion: WEBHOOK_SCHEMA_VERSION,
    event: notice.event,
    sentAt,
    alert: webhookAlert(notice.alert, publicUrl),
  };
}

/** `sha256=<hex HMAC-SHA256 of the raw body>` under the channel's secret. */
export function signature(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body, "utf8").digest("hex")}`;
}

function request(settings: SettingsOf<"webhook">, notice: Notice, publicUrl: string, now: Date) {
  const body = JSON.stringify(webhookBody(notice, publicUrl, now));
  const secretHeaders = Object.entries(settings.secrets?.headers ?? {}).filter(
    (entry): entry is [string, string] => typeof entry[1] === "string",
  );
  const secret = settings.secrets?.secret;
  const headers: Record<string, string> = {
    ...settings.config.headers,
    ...Object.fromEntries(secretHeaders),
    "Content-Type": "application/json",
    "User-Agent": "restic-manager",
    ...(secret ? { [SIGNATURE_HEADER]: signature(secret, body) } : {}),
  };
  const built: HttpRequest = {
    method: settings.config.method,
    url: settings.config.url,
    headers,
    body,
  };
  return { built, secretHeaderNames: secretHeaders.map(([name]) => name) };
}

export const webhookSender: ChannelSender<"webhook"> = {
  async preview(settings, notice, { publicUrl, now }) {
    const { built, secretHeaderNames } = request(settings, notice, publicUrl, now);
    const headers = { ...built.headers };
    for (const name of secretHeaderNames) headers[name] = MASKED;
    return { kind: "webhook", method: built.method, url: built.url, headers, body: built.body };
  },

  async send(settings, notice, { publicUrl, now, signal }) {
    const { built } = request(settings, notice, publicUrl, now);
    try {
      const answer = await exchange(built, signal);
      const ok = answer.status >= 200 && answer.status < 300;
      return { ok, result: describeStatus(answer, !ok) };
    } catch (error) {
      return { ok: false, result: describeHttpError(error) };
    }
  },
};
