import {
  type TJobParamsInput,
  type TJobResult,
  type TResticProgress,
  ZJobParams,
} from "@restic-manager/contracts";
import { backup } from "./commands/backup.js";
import { catConfig } from "./commands/cat-config.js";
import { check } from "./commands/check.js";
import { diff } from "./commands/diff.js";
import { drill } from "./commands/drill.js";
import { dump } from "./commands/dump.js";
import { forget } from "./commands/forget.js";
import { health } from "./commands/health.js";
import { init } from "./commands/init.js";
import { listLocks } from "./commands/locks.js";
import { ls } from "./commands/ls.js";
import { prune } from "./commands/prune.js";
import { restore } from "./commands/restore.js";
import { snapshots } from "./commands/snapshots.js";
import { stats } from "./commands/stats.js";
import { unlock } from "./commands/unlock.js";
import { version } from "./commands/version.js";
import type { ResticContext, RunOptions } from "./context.js";

export interface JobRunOptions extends RunOptions {
  onProgress?: (progress: TResticProgress) => void;
}

/**
 * Runs one job as the agent receives it: params validated, dispatched to its command module.
 * The `switch` is exhaustive, so a new job kind does not compile until it is handled here.
 */
export async function runResticJob(
  context: ResticContext,
  input: TJobParamsInput,
  run: JobRunOptions = {},
): Promise<TJobResult> {
  const params = ZJobParams.parse(input);
  const { signal, onProgress } = run;
  switch (params.kind) {
    case "init":
      return init(context, { signal });
    case "backup":
      return backup(context, params, { signal, onProgress });
    case "forget":
      return forget(context, params, { signal });
    case "prune":
      return prune(context, params, { signal });
    case "check":
      return check(context, params, { signal });
    case "unlock":
      return unlock(context, params, { signal });
    case "snapshots":
      return snapshots(context, params, { signal });
    case "stats":
      return stats(context, params, { signal });
    case "ls":
      return ls(context, params, { signal });
    case "diff":
      return diff(context, params, { signal });
    case "restore":
      return restore(context, params, { signal, onProgress });
    case "dump": {
      const { data: _data, ...result } = await dump(context, params, { signal });
      return result;
    }
    case "cat-config":
      return catConfig(context, { signal });
    case "list-locks":
      return listLocks(context, {}, { signal });
    case "version":
      return version(context, { signal });
    case "health":
      return health(context, { signal });
    case "drill":
      return drill(context, params, { signal });
    case "agent-update":
      throw new Error("an agent update is the agent's own work, not a restic command");
    default: {
      const unhandled: never = params;
      throw new Error(`unhandled job kind ${JSON.stringify(unhandled)}`);
    }
  }
}
