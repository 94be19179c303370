import { type TUnlockResult, ZUnlockOptions } from "@restic-manager/contracts";
import type { z } from "zod";
import { switchFlag } from "../args.js";
import { type ResticContext, type RunOptions, resolveOptions } from "../context.js";
import { execBuffered, textLines } from "./shared.js";

export type UnlockOptions = z.input<typeof ZUnlockOptions>;

const REMOVED_TEXT = /successfully removed (\d+) locks?/i;

export function unlockArgs(input: UnlockOptions = {}): string[] {
  const options = ZUnlockOptions.parse(input);
  return ["unlock", "--json", ...switchFlag("remove-all", options.removeAll)];
}

/**
 * Removes stale locks (or all with `removeAll`). unlock has no JSON output; restic reports
 * "successfully removed N locks" when it removed any and nothing otherwise.
 */
export async function unlock(
  context: ResticContext,
  input: UnlockOptions = {},
  run: RunOptions = {},
): Promise<TUnlockResult> {
  const options = resolveOptions(context);
  const outcome = await execBuffered(options, {
    command: "unlock",
    args: unlockArgs(input),
    signal: run.signal,
  });
  let removedLocks = 0;
  for (const line of [...textLines(outcome), ...outcome.stderrTail.split("\n")]) {
    const match = REMOVED_TEXT.exec(line);
    if (match?.[1]) removedLocks = Number(match[1]);
  }
  return { kind: "unlock", removedLocks };
}
