import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import { alertsRouter } from "./alerts/router.js";
import { auditRouter } from "./audit/router.js";
import { authRouter } from "./auth/router.js";
import { backupSetsRouter } from "./backupSets/router.js";
import { channelsRouter } from "./channels/router.js";
import { dashboardRouter } from "./dashboard/router.js";
import { downloadsRouter } from "./downloads/router.js";
import { eventsRouter } from "./events/router.js";
import { agentRouter } from "./hosts/agentRouter.js";
import { hostsRouter } from "./hosts/router.js";
import { jobsRouter } from "./jobs/router.js";
import { repositoriesRouter } from "./repositories/router.js";
import { restoresRouter } from "./restores/router.js";
import { schedulesRouter } from "./schedules/router.js";
import { serverBackupsRouter } from "./serverBackups/router.js";
import { snapshotsRouter } from "./snapshots/router.js";
import { apiTokensRouter } from "./tokens/router.js";
import { router } from "./trpc/trpc.js";
import { usersRouter } from "./users/router.js";

export const appRouter = router({
  auth: authRouter,
  users: usersRouter,
  apiTokens: apiTokensRouter,
  audit: auditRouter,
  hosts: hostsRouter,
  jobs: jobsRouter,
  repositories: repositoriesRouter,
  backupSets: backupSetsRouter,
  schedules: schedulesRouter,
  snapshots: snapshotsRouter,
  restores: restoresRouter,
  downloads: downloadsRouter,
  alerts: alertsRouter,
  channels: channelsRouter,
  events: eventsRouter,
  dashboard: dashboardRouter,
  serverBackups: serverBackupsRouter,
  agent: agentRouter,
});

/** The web app and the agent import these types, and nothing else, from the server. */
export type AppRouter = typeof appRouter;
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
