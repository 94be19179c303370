import type { TCatConfigResult } from "@restic-manager/contracts";
import { z } from "zod";
import { type ResticContext, type RunOptions, resolveOptions } from "../context.js";
import { execBuffered, parseStdout } from "./shared.js";

const ZResticConfig = z.object({
  version: z.number().int(),
  id: z.string().regex(/^[0-9a-f]+$/),
  chunker_polynomial: z.string(),
});

export function catConfigArgs(): string[] {
  // Reading the config needs no lock: it also answers "is there a repository?" while locked.
  return ["cat", "config", "--no-lock", "--json"];
}

export async function catConfig(
  context: ResticContext,
  run: RunOptions = {},
): Promise<TCatConfigResult> {
  const options = resolveOptions(context);
  const outcome = await execBuffered(options, {
    command: "cat config",
    args: catConfigArgs(),
    signal: run.signal,
  });
  const config = parseStdout(ZResticConfig, outcome, "cat config");
  return {
    kind: "cat-config",
    config: {
      version: config.version,
      id: config.id,
      chunkerPolynomial: config.chunker_polynomial,
    },
  };
}
