import { StringDecoder } from "node:string_decoder";

const ESC = String.fromCharCode(0x1b);
const ANSI_ESCAPE = new RegExp(`${ESC}\\[[0-9;?]*[ -/]*[@-~]`, "g");

/** restic clears the terminal line (`ESC[2K`) even when it writes to a pipe. */
export function stripAnsi(text: string): string {
  return text.replace(ANSI_ESCAPE, "");
}

/**
 * Splits a byte stream into lines, decoding UTF-8 across chunk boundaries. A line longer than
 * `maxLineChars` is dropped and flagged instead of growing the buffer without bound.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder("utf8");
  private partial = "";

  constructor(private readonly maxLineChars: number) {}

  /**
   * The complete lines in this chunk. `overflow` says the pending line grew past the limit; it
   * is then dropped and callers decide whether that is fatal.
   */
  push(chunk: Uint8Array): { lines: string[]; overflow: boolean } {
    const text = this.partial + this.decoder.write(Buffer.from(chunk));
    const parts = text.split("\n");
    this.partial = parts.pop() ?? "";
    const overflow = this.partial.length > this.maxLineChars;
    if (overflow) this.partial = "";
    return { lines: parts.map(trimCarriageReturn), overflow };
  }

  /** The last line when the stream ended without a newline. */
  end(): string[] {
    const rest = this.partial + this.decoder.end();
    this.partial = "";
    return rest.length > 0 ? [trimCarriageReturn(rest)] : [];
  }
}

function trimCarriageReturn(line: string): string {
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}

/** Keeps the last lines up to a character budget: what an error can show of a long run. */
export class BoundedTail {
  private readonly lines: string[] = [];
  private size = 0;
  private dropped = 0;

  constructor(
    private readonly maxChars: number,
    private readonly maxLineChars = 2000,
  ) {}

  push(line: string): void {
    const kept = line.length > this.maxLineChars ? `${line.slice(0, this.maxLineChars)}…` : line;
    this.lines.push(kept);
    this.size += kept.length + 1;
    while (this.size > this.maxChars && this.lines.length > 1) {
      const removed = this.lines.shift() ?? "";
      this.size -= removed.length + 1;
      this.dropped += 1;
    }
  }

  get all(): readonly string[] {
    return this.lines;
  }

  get droppedCount(): number {
    return this.dropped;
  }

  toString(): string {
    const head = this.dropped > 0 ? `[${this.dropped} earlier lines omitted]\n` : "";
    return head + this.lines.join("\n");
  }
}
