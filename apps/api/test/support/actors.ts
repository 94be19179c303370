import type { TResticProgress } from "@restic-manager/contracts";
import type { Actor } from "../../src/auth/actor.js";

/** An admin as a signed-in browser's requests carry it, for services called directly. */
export const ADMIN: Actor = {
  type: "user",
  userId: "u1",
  username: "admin",
  role: "admin",
  sessionId: "s1",
};

export const META = { ip: "127.0.0.1", userAgent: "test" };

/** A backup halfway through, as an agent reports it. */
export const HALFWAY: TResticProgress = {
  kind: "backup",
  percentDone: 0.5,
  secondsElapsed: 1,
  secondsRemaining: 1,
  totalFiles: 10,
  filesDone: 5,
  totalBytes: 100,
  bytesDone: 50,
  errorCount: 0,
  currentFiles: [],
};
