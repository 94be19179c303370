import type { TAlertEvent, TAlertSeverity } from "@restic-manager/contracts";
import {
  alertText,
  alertTitle,
  alertUrl,
  digestSeverity,
  digestText,
  digestTitle,
  type Notice,
} from "../message.js";
import {
  describeHttpError,
  describeStatus,
  exchange,
  type HttpAnswer,
  type HttpRequest,
} from "./http.js";
import { type ChannelSender, MASKED, type SendOutcome, type SettingsOf } from "./types.js";

/** ntfy's priorities: 3 default, 4 high, 5 urgent (max). */
export const NTFY_PRIORITY: Record<TAlertSeverity, number> = { info: 3, warning: 4, critical: 5 };

/** Emoji tags ntfy shows before the title. */
const SEVERITY_TAG: Record<TAlertSeverity, string> = {
  info: "information_source",
  warning: "warning",
  critical: "rotating_light",
};

/**
 * The severity sets the priority of what needs someone (raised, a reminder); news that it is
 * being handled or over never rings louder than default.
 */
function priorityOf(event: TAlertEvent | "test" | "digest", severity: TAlertSeverity): number {
  const mapped = NTFY_PRIORITY[severity];
  return event === "acknowledged" || event === "resolved" ? Math.min(mapped, 3) : mapped;
}

/** Header values are Latin-1 on the wire; anything else goes RFC 2047 encoded (ntfy decodes it). */
function headerValue(text: string): string {
  const oneLine = text.replace(/[\r\n]+/g, " ");
  return /^[\x20-\x7e]*$/.test(oneLine)
    ? oneLine
    : `=?UTF-8?B?${Buffer.from(oneLine, "utf8").toString("base64")}?=`;
}

function message(settings: SettingsOf<"ntfy">, notice: Notice, publicUrl: string) {
  if (notice.type === "digest") {
    const severity = digestSeverity(notice.entries);
    return {
      title: digestTitle(notice.entries),
      body: digestText(notice.entries, publicUrl),
      priority: priorityOf("digest", severity),
      tags: ["inbox_tray", ...settings.config.tags],
      click: `${publicUrl}/alerts`,
    };
  }
  const { alert, event } = notice;
  return {
    title: alertTitle(alert),
    body: alertText(event, alert, publicUrl),
    priority: priorityOf(event, alert.severity),
    tags: [
      event === "resolved" ? "white_check_mark" : SEVERITY_TAG[alert.severity],
      ...settings.config.tags,
    ],
    click: event === "test" ? publicUrl : alertUrl(publicUrl, alert.id),
  };
}

function authorization(settings: SettingsOf<"ntfy">, masked: boolean): string | undefined {
  const { username } = settings.config;
  const { token, password } = settings.secrets ?? {};
  if (username && password) {
    return masked
      ? `Basic ${MASKED}`
      : `Basic ${Buffer.from(`${username}:${password}`, "utf8").toString("base64")}`;
  }
  if (token) return `Bearer ${masked ? MASKED : token}`;
  return undefined;
}

function request(settings: SettingsOf<"ntfy">, notice: Notice, publicUrl: string, masked: boolean) {
  const m = message(settings, notice, publicUrl);
  const auth = authorization(settings, masked);
  const built: HttpRequest = {
    method: "POST",
    url: `${settings.config.serverUrl.replace(/\/+$/, "")}/${settings.config.topic}`,
    headers: {
      Title: headerValue(m.title),
      Priority: String(m.priority),
      Tags: m.tags.join(","),
      Click: m.click,
      "Content-Type": "text/plain; charset=utf-8",
      "User-Agent": "restic-manager",
      ...(auth ? { Authorization: auth } : {}),
    },
    body: m.body,
  };
  return { built, message: m };
}

/**
 * ntfy answers a publish with the message as JSON (its id), an error with `{ error }`. Only
 * the former counts as delivered: a 200 from something that is not ntfy delivered nothing.
 */
function judge(answer: HttpAnswer): SendOutcome {
  let parsed: { id?: unknown; error?: unknown } | undefined;
  try {
    parsed = JSON.parse(answer.text) as { id?: unknown; error?: unknown };
  } catch {
    parsed = undefined;
  }
  if (answer.status === 200 && typeof parsed?.id === "string") {
    return { ok: true, result: `HTTP 200 · message ${parsed.id}` };
  }
  if (typeof parsed?.error === "string") {
    return { ok: false, result: `HTTP ${answer.status} · ${parsed.error}` };
  }
  const status = describeStatus(answer, true);
  return { ok: false, result: answer.status === 200 ? `${status} (not an ntfy answer)` : status };
}

export const ntfySender: ChannelSender<"ntfy"> = {
  async preview(settings, notice, { publicUrl }) {
    const { built, message: m } = request(settings, notice, publicUrl, true);
    return { kind: "ntfy", method: "POST", url: built.url, headers: built.headers, ...m };
  },

  async send(settings, notice, { publicUrl, signal }) {
    const { built } = request(settings, notice, publicUrl, false);
    try {
      return judge(await exchange(built, signal));
    } catch (error) {
      return { ok: false, result: describeHttpError(error) };
    }
  },
};
