import { isIP } from "node:net";
import { createTransport } from "nodemailer";
import MailComposer from "nodemailer/lib/mail-composer";
import type { SendMailOptions } from "nodemailer/lib/mailer";
import {
  alertText,
  alertTitle,
  digestText,
  digestTitle,
  type Notice,
  type NoticeContext,
} from "../message.js";
import type { ChannelSender, SettingsOf } from "./types.js";

/** Each step (connect, greeting, STARTTLS, DATA) may take this long over a slow link. */
export const SMTP_TIMEOUT_MS = 10_000;
/** And the whole conversation no longer than this. */
const SMTP_DEADLINE_MS = 3 * SMTP_TIMEOUT_MS;

export const SUBJECT_PREFIX = "[restic-manager]";

/** The Message-ID of an alert's raised message: what its later messages reply to. */
export function raisedMessageId(alertId: string, domain: string): string {
  return `<alert-${alertId}-raised@${domain}>`;
}

/**
 * Threading: the raised message carries `<alert-<id>-raised@<host>>`; acknowledged, resolved
 * and reminder messages get their own ids and reply to it, so a mail client shows one thread.
 */
function threadHeaders(notice: Notice, domain: string) {
  if (notice.type === "digest") return { messageId: `<digest-${notice.deliveryId}@${domain}>` };
  if (notice.event === "test") return { messageId: `<test-${notice.deliveryId}@${domain}>` };
  const raised = raisedMessageId(notice.alert.id, domain);
  if (notice.event === "raised") return { messageId: raised };
  return {
    messageId: `<alert-${notice.alert.id}-${notice.event}-${notice.deliveryId}@${domain}>`,
    inReplyTo: raised,
    references: raised,
  };
}

/** The message, plain text only, as nodemailer takes it: the preview compiles the same. */
function mailOf(
  settings: SettingsOf<"smtp">,
  notice: Notice,
  context: NoticeContext,
): SendMailOptions {
  const domain = new URL(context.publicUrl).hostname;
  const content =
    notice.type === "digest"
      ? {
          subject: `${SUBJECT_PREFIX} ${digestTitle(notice.entries)}`,
          text: digestText(notice.entries, context.publicUrl),
          event: "digest",
          alertId: undefined,
        }
      : {
          subject: `${SUBJECT_PREFIX} ${alertTitle(notice.alert)}`,
          text: alertText(notice.event, notice.alert, context.publicUrl),
          event: notice.event,
          alertId: notice.event === "test" ? undefined : notice.alert.id,
        };
  return {
    from: settings.config.from,
    to: settings.config.to,
    subject: content.subject,
    text: content.text,
    date: context.now,
    ...threadHeaders(notice, domain),
    headers: {
      "Auto-Submitted": "auto-generated",
      "X-Restic-Manager-Event": content.event,
      ...(content.alertId ? { "X-Restic-Manager-Alert": content.alertId } : {}),
    },
    xMailer: false,
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

function transportOf(settings: SettingsOf<"smtp">) {
  const { host, port, encryption, username, allowInvalidCertificate } = settings.config;
  const password = settings.secrets?.password ?? undefined;
  return createTransport({
    host,
    port,
    // "tls": TLS from the first byte; "starttls": upgrade or give up; "none": never upgrade.
    secure: encryption === "tls",
    requireTLS: encryption === "starttls",
    ignoreTLS: encryption === "none",
    auth: username ? { user: username, pass: password ?? "" } : undefined,
    connectionTimeout: SMTP_TIMEOUT_MS,
    greetingTimeout: SMTP_TIMEOUT_MS,
    socketTimeout: SMTP_TIMEOUT_MS,
    tls: {
      rejectUnauthorized: !allowInvalidCertificate,
      minVersion: "TLSv1.2",
      ...(isIP(host) ? {} : { servername: host }),
    },
    disableFileAccess: true,
    disableUrlAccess: true,
    logger: false,
    debug: false,
  });
}

/**
 * The server's reply line when it gave one (`535 5.7.8 Authentication failed`), else the
 * error: a timeout, a refused certificate, a greeting that is not SMTP.
 */
function describeSmtpError(error: unknown): string {
  const e = error as { code?: unknown; response?: unknown; message?: unknown };
  const text =
    typeof e.response === "string" && /^\d{3}[ -]/.test(e.response)
      ? e.response
      : `${typeof e.code === "string" ? `${e.code}: ` : ""}${String(e.message ?? error)}`;
  return text.replace(/[\r\n]+/g, " ").slice(0, 300);
}

function unfoldHeaders(head: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r\n[ \t]+/g, " ").split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon)] = line.slice(colon + 1).trim();
  }
  return headers;
}

export const smtpSender: ChannelSender<"smtp"> = {
  async preview(settings, notice, context) {
    const mail = mailOf(settings, notice, context);
    const raw = (await new MailComposer(mail).compile().build()).toString("utf8");
    const split = raw.indexOf("\r\n\r\n");
    return {
      kind: "smtp",
      envelope: { from: settings.config.from, to: settings.config.to },
      headers: unfoldHeaders(raw.slice(0, split)),
      body: typeof mail.text === "string" ? mail.text : "",
      raw,
    };
  },

  async send(settings, notice, context) {
    const { encryption, username, allowPlainAuth } = settings.config;
    if (encryption === "none" && username && !allowPlainAuth) {
      return { ok: false, result: "Refused: credentials over an unencrypted connection" };
    }
    const transport = transportOf(settings);
    let timer: NodeJS.Timeout | undefined;
    const giveUp = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new Error(`No end of the SMTP conversation within ${SMTP_DEADLINE_MS / 1000} s`)),
        SMTP_DEADLINE_MS,
      );
      context.signal.addEventListener("abort", () => reject(new Error("Cancelled")), {
        once: true,
      });
    });
    try {
      const info = await Promise.race([
        transport.sendMail(mailOf(settings, notice, context)),
        giveUp,
      ]);
      return { ok: true, result: String(info.response).replace(/[\r\n]+/g, " ") };
    } catch (error) {
      return { ok: false, result: describeSmtpError(error) };
    } finally {
      clearTimeout(timer);
      transport.close();
    }
  },
};
