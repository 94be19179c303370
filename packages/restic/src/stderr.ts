import type { TItemError } from "@restic-manager/contracts";
import { z } from "zod";
import { BoundedTail, LineSplitter, stripAnsi } from "./lines.js";
import type { Redactor } from "./redact.js";

const MAX_ITEM_ERRORS = 50;
const MAX_LINE_CHARS = 64 * 1024;

/** restic ≥ 0.17 with --json: its last word, on stderr. */
const ZExitError = z.object({
  message_type: z.literal("exit_error"),
  code: z.number().int(),
  message: z.string(),
});

/** Two shapes: backup/restore report an item (`error.message`), check a plain `message`. */
const ZError = z.object({
  message_type: z.literal("error"),
  error: z.object({ message: z.string() }).optional(),
  message: z.string().optional(),
  during: z.string().optional(),
  item: z.string().optional(),
});

function parseJson(line: string): unknown {
  if (!line.startsWith("{")) return undefined;
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

/**
 * What restic says on stderr: its exit error, item errors (the first few, all counted) and a
 * bounded tail of everything for the error message. All of it redacted as it arrives.
 */
export class StderrCollector {
  exitError: { code: number; message: string } | null = null;
  readonly itemErrors: TItemError[] = [];
  itemErrorCount = 0;
  private readonly lines: BoundedTail;
  private readonly splitter = new LineSplitter(MAX_LINE_CHARS);

  constructor(
    maxTailChars: number,
    private readonly redact: Redactor,
    /** Each line as it arrives (redacted, JSON messages as their text): for live job logs. */
    private readonly onLine?: (line: string) => void,
  ) {
    this.lines = new BoundedTail(maxTailChars);
  }

  private keep(line: string): void {
    this.lines.push(line);
    this.onLine?.(line);
  }

  push(chunk: Uint8Array): void {
    const { lines, overflow } = this.splitter.push(chunk);
    for (const line of lines) this.handle(line);
    if (overflow) this.lines.push("[an overlong stderr line was dropped]");
  }

  end(): void {
    for (const line of this.splitter.end()) this.handle(line);
  }

  tail(): string {
    return this.lines.toString();
  }

  private handle(raw: string): void {
    const line = stripAnsi(raw).trim();
    if (line.length === 0) return;
    const value = parseJson(line);
    const exit = ZExitError.safeParse(value);
    if (exit.success) {
      this.exitError = { code: exit.data.code, message: this.redact(exit.data.message.trim()) };
      this.keep(this.exitError.message);
      return;
    }
    const error = ZError.safeParse(value);
    if (error.success) {
      const message = this.redact((error.data.error?.message ?? error.data.message ?? "").trim());
      this.itemErrorCount += 1;
      if (this.itemErrors.length < MAX_ITEM_ERRORS) {
        this.itemErrors.push({
          item: error.data.item === undefined ? null : this.redact(error.data.item),
          during: error.data.during ?? null,
          message,
        });
      }
      this.keep(error.data.item ? `${this.redact(error.data.item)}: ${message}` : message);
      return;
    }
    this.keep(this.redact(line));
  }
}
