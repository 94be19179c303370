import type { TInitResult } from "@restic-manager/contracts";
import { z } from "zod";
import { type ResticContext, type RunOptions, resolveOptions } from "../context.js";
import { execRestic } from "../exec.js";
import { ensureExit } from "../exit-codes.js";
import { parseMessage } from "../output.js";
import { missingOutput } from "./shared.js";

const ZInitialized = z.object({
  message_type: z.literal("initialized"),
  id: z.string().regex(/^[0-9a-f]+$/),
  // `repository` is also printed; it is not kept, a URL may carry credentials.
});

/** restic < 0.17 prints text: "created restic repository 1a2b3c4d5e at …". */
const CREATED_TEXT = /created restic repository ([0-9a-f]+) at/;

export function initArgs(): string[] {
  return ["init", "--json"];
}

export async function init(context: ResticContext, run: RunOptions = {}): Promise<TInitResult> {
  const options = resolveOptions(context);
  let repositoryId: string | null = null;
  const outcome = await execRestic(options, {
    command: "init",
    args: initArgs(),
    signal: run.signal,
    stdout: {
      kind: "json-lines",
      onMessage(value, line, parse) {
        repositoryId = parseMessage(ZInitialized, ["initialized"], value, line, parse).id;
        return false;
      },
    },
  });
  ensureExit(outcome, "init");
  if (repositoryId === null) {
    for (const note of outcome.notes) repositoryId ??= CREATED_TEXT.exec(note)?.[1] ?? null;
  }
  if (repositoryId === null) throw missingOutput("init", "the new repository's id", outcome);
  return { kind: "init", repositoryId };
}
