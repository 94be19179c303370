import { existsSync } from "node:fs";
import path from "node:path";
import { createExpressMiddleware } from "@trpc/server/adapters/express";
import express, { type NextFunction, type Request, type Response } from "express";
import { refuseCrossSiteRequests } from "./csrf.js";
import type { AppDeps } from "./deps.js";
import { DOWNLOAD_PATH, downloadRoutes } from "./downloads/http.js";
import { linuxInstallScript } from "./hosts/installScript.js";
import { windowsInstallScript } from "./hosts/windowsInstallScript.js";
import { metricsEndpoint } from "./metrics/endpoint.js";
import { appRouter } from "./router.js";
import { createContextFactory } from "./trpc/context.js";

export interface HttpApp {
  app: express.Express;
  /** Ends every open event stream (browsers reconnect and resume), e.g. at shutdown. */
  endStreams(): void;
}

/** How long a request may take to arrive whole (an agent's upload excepted). */
const BODY_TIMEOUT_MS = 60_000;

/**
 * The server has no overall request timeout, so an agent's upload can last as long as its
 * download. Every other request must have arrived whole within the deadline, or its socket is
 * closed: a client dripping a body cannot hold a connection for ever. Responses that last (event
 * streams, downloads) are not affected: their requests arrived long before.
 */
function bodyDeadline(timeoutMs: number) {
  return (req: express.Request, res: Response, next: () => void) => {
    if (!req.complete && !req.path.startsWith("/agent/uploads/")) {
      const timer = setTimeout(() => {
        if (!req.complete) req.socket.destroy();
      }, timeoutMs);
      timer.unref();
      req.once("end", () => clearTimeout(timer));
      res.once("close", () => clearTimeout(timer));
    }
    next();
  };
}

/** The HTTP surface: health, tRPC (with server-sent events for subscriptions), the SPA. */
export function createHttpApp(deps: AppDeps, options: { bodyTimeoutMs?: number } = {}): HttpApp {
  const app = express();
  app.disable("x-powered-by");
  // Behind a reverse proxy, the client is whoever the trusted proxies say it is (req.ip).
  app.set("trust proxy", deps.config.trustProxy);
  app.use(securityHeaders(deps.config.publicUrl));
  app.use(requestLog(deps));
  app.use(bodyDeadline(options.bodyTimeoutMs ?? BODY_TIMEOUT_MS));

  // Event streams never finish on their own, so shutdown has to end them itself.
  const streams = new Set<Response>();
  app.use((req, res, next) => {
    if (req.headers.accept?.includes("text/event-stream")) {
      streams.add(res);
      res.on("close", () => streams.delete(res));
    }
    next();
  });

  app.get("/healthz", async (_req, res) => {
    try {
      await deps.db.$queryRawUnsafe("SELECT 1");
      res.json({ status: "ok" });
    } catch (error) {
      deps.logger.error({ event: "healthz.failed", err: error }, "health check failed");
      res.status(503).json({ status: "unavailable", reason: "database unreachable" });
    }
  });

  app.get("/metrics", metricsEndpoint(deps));

  app.use(
    "/trpc",
    refuseCrossSiteRequests(deps.config.publicUrl),
    createExpressMiddleware({
      router: appRouter,
      createContext: createContextFactory(deps),
      maxBodySize: 1_000_000,
      onError({ error, path: procedure }) {
        if (error.code === "INTERNAL_SERVER_ERROR") {
          deps.logger.error({ event: "trpc.error", procedure, err: error }, error.message);
        }
      },
    }),
  );

  // Downloads: the browser's GET and the agent's upload, piped into each other.
  app.use(downloadRoutes(deps));

  app.get("/agent/install.sh", (_req, res) => {
    res.type("text/x-shellscript").send(linuxInstallScript(deps.config.publicUrl));
  });
  app.get("/agent/install.ps1", (_req, res) => {
    res.type("text/plain").send(windowsInstallScript(deps.config.publicUrl));
  });
  const agentDir = deps.config.agentDir;
  app.get("/agent/agent.mjs", (_req, res) => {
    const file = agentDir ? path.join(agentDir, "agent.mjs") : undefined;
    if (!file || !existsSync(file)) {
      res.status(404).type("text/plain").send("The agent bundle is not built: run `pnpm build`.\n");
      return;
    }
    res.type("text/javascript").sendFile(file);
  });

  const webDir = deps.config.webDir;
  if (webDir && existsSync(path.join(webDir, "index.html"))) {
    // Source maps give away the client's source; the scripts' sourceMappingURL then meets a
    // 404, which browsers only mention in their developer tools.
    if (!deps.config.serveSourceMaps) {
      app.get(/\.map$/, (_req, res) => {
        res.status(404).type("text/plain").send("Not found\n");
      });
    }
    app.use(express.static(webDir, { index: false, maxAge: "1h" }));
    // Client-side routes all load the same page; the SPA decides what to draw.
    app.get(/^\/(?!trpc\/|healthz$|metrics$|agent\/).*/, (_req, res) => {
      res.set("Cache-Control", "no-cache");
      res.sendFile(path.join(webDir, "index.html"));
    });
  }
  return {
    app,
    endStreams() {
      for (const res of streams) res.destroy();
    },
  };
}

/**
 * The SPA talks to its own origin only: tRPC over HTTP and server-sent events (agents use the
 * WebSocket, browsers never do). HSTS goes out once browsers reach the server over https
 * (directly, or through a trusted proxy that says so in X-Forwarded-Proto) or are sent there
 * by the public URL; browsers ignore it on plain http anyway.
 */
function securityHeaders(publicUrl: string) {
  const httpsPublicUrl = publicUrl.startsWith("https:");
  return (req: Request, res: Response, next: NextFunction) => {
    res.set({
      "X-Content-Type-Options": "nosniff",
      "X-Frame-Options": "DENY",
      "Referrer-Policy": "same-origin",
      "Content-Security-Policy":
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
    });
    if (req.secure || httpsPublicUrl) {
      res.set("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
    }
    next();
  };
}

function requestLog(deps: AppDeps) {
  return (req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    res.on("finish", () => {
      if (req.path === "/healthz" && res.statusCode === 200) return;
      deps.logger.debug({
        event: "http.request",
        method: req.method,
        // A download's path is its one-time token.
        path: DOWNLOAD_PATH.test(req.path) ? "/api/downloads/…" : req.path,
        status: res.statusCode,
        ms: Number(process.hrtime.bigint() - started) / 1e6,
      });
    });
    next();
  };
}
