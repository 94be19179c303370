import { apiTokensRouter } from "./routers/apiTokens.js";
import { auditRouter } from "./routers/audit.js";
import { authRouter } from "./routers/auth.js";
import { usersRouter } from "./routers/users.js";
import { router } from "./trpc/trpc.js";

export const appRouter = router({
  auth: authRouter,
  users: usersRouter,
  apiTokens: apiTokensRouter,
  audit: auditRouter,
});

/** The web app and the agent import this type, and nothing else, from the server. */
export type AppRouter = typeof appRouter;
