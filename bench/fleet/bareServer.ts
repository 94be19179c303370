/**
 * The baseline: a bare tRPC-over-`ws` server with nothing behind it. Each client holds one
 * subscription (as an agent holds its command stream), progress is a mutation that is fanned
 * out to the watchers of its job, and there is no database, no authentication, no logging.
 * What the product costs beyond this is its own work. Run bundled, with plain node.
 *
 *   node bare.js <port>
 */
import { EventEmitter, on } from "node:events";
import { createServer } from "node:http";
import { ZJobProgress } from "@restic-manager/contracts";
import { initTRPC, tracked } from "@trpc/server";
import { applyWSSHandler } from "@trpc/server/adapters/ws";
import superjson from "superjson";
import { WebSocketServer } from "ws";
import { z } from "zod";

const t = initTRPC.context<{ credential: unknown }>().create({ transformer: superjson });
const progress = new EventEmitter();
progress.setMaxListeners(0);
const idle = new EventEmitter();
idle.setMaxListeners(0);
let sequence = 0;

const bareRouter = t.router({
  hello: t.procedure.mutation(({ ctx }) => ({ ok: ctx.credential !== undefined })),
  commands: t.procedure.subscription(async function* ({ signal }) {
    // Nothing is ever sent: the subscription is held, as an agent's command stream is.
    for await (const [command] of on(idle, "command", { signal })) yield command as string;
  }),
  progress: t.procedure.input(ZJobProgress).mutation(({ input }) => {
    progress.emit(input.jobId, input.progress);
    return { ok: true };
  }),
  watch: t.procedure.input(z.object({ id: z.string() })).subscription(async function* ({
    input,
    signal,
  }) {
    for await (const [sample] of on(progress, input.id, { signal })) {
      yield tracked(String(++sequence), { type: "progress" as const, progress: sample as unknown });
    }
  }),
});
export type BareRouter = typeof bareRouter;

const port = Number(process.argv[2] ?? 0);
const server = createServer((_req, res) => {
  res.writeHead(404).end();
});
const wss = new WebSocketServer({ server });
applyWSSHandler({
  wss,
  router: bareRouter,
  createContext: ({ info }) => ({ credential: info.connectionParams?.credential }),
  keepAlive: { enabled: true, pingMs: 20_000, pongWaitMs: 10_000 },
});
server.listen(port, "127.0.0.1", () => {
  console.log("listening");
});
process.once("SIGTERM", () => {
  // Sockets are dropped as a stopping process drops them; clients reconnect with their back-off.
  wss.close();
  server.close(() => process.exit(0));
  for (const client of wss.clients) client.terminate();
});
