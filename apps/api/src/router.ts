import { agentRouter } from "./routers/agent.js";
import { apiTokensRouter } from "./routers/apiTokens.js";
import { auditRouter } from "./routers/audit.js";
import { authRouter } from "./routers/auth.js";
import { backupSetsRouter } from "./routers/backupSets.js";
import { hostsRouter } from "./routers/hosts.js";
import { jobsRouter } from "./routers/jobs.js";
import { repositoriesRouter } from "./routers/repositories.js";
import { usersRouter } from "./routers/users.js";
import { router } from "./trpc/trpc.js";

export const appRouter = router({
  auth: authRouter,
  users: usersRouter,
  apiTokens: apiTokensRouter,
  audit: auditRouter,
  hosts: hostsRouter,
  jobs: jobsRouter,
  repositories: repositoriesRouter,
  backupSets: backupSetsRouter,
  agent: agentRouter,
});

/** The web app and the agent import this type, and nothing else, from the server. */
export type AppRouter = typeof appRouter;
