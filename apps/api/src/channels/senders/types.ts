import type { TChannelSettings } from "@restic-manager/contracts";
import type { Notice, NoticeContext } from "../message.js";

/** What a try came to: `result` is the HTTP status, SMTP reply line, ntfy answer or error. */
export interface SendOutcome {
  ok: boolean;
  result: string;
}

/** The message exactly as a channel would send it; secret values masked. */
export type ChannelPreview =
  | {
      kind: "webhook";
      method: string;
      url: string;
      headers: Record<string, string>;
      body: string;
    }
  | {
      kind: "ntfy";
      method: "POST";
      url: string;
      headers: Record<string, string>;
      title: string;
      body: string;
      priority: number;
      tags: string[];
      click: string;
    }
  | {
      kind: "smtp";
      envelope: { from: string; to: string };
      headers: Record<string, string>;
      body: string;
      /** The whole RFC 5322 message, headers and body, as it goes out. */
      raw: string;
    };

export type SettingsOf<K extends TChannelSettings["kind"]> = Extract<TChannelSettings, { kind: K }>;

/** One module per channel kind behind this contract (see index.ts). */
export interface ChannelSender<K extends TChannelSettings["kind"]> {
  preview(
    settings: SettingsOf<K>,
    notice: Notice,
    context: NoticeContext,
  ): Promise<Extract<ChannelPreview, { kind: K }>>;
  send(
    settings: SettingsOf<K>,
    notice: Notice,
    context: NoticeContext & { signal: AbortSignal },
  ): Promise<SendOutcome>;
}

/** How a secret value shows in a preview. */
export const MASKED = "••••••";
