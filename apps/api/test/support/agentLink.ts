import {
  AGENT_PROTOCOL_VERSION,
  type TAgentCommand,
  type TAgentHello,
} from "@restic-manager/contracts";
import { createTRPCClient, createWSClient, wsLink } from "@trpc/client";
import superjson from "superjson";
import { WebSocket } from "ws";
import type { AppRouter } from "../../src/router.js";
import type { World } from "./world.js";

/** What a well-behaved agent announces when it connects. */
export const HELLO: TAgentHello = {
  protocolVersion: AGENT_PROTOCOL_VERSION,
  agentVersion: "test",
  hostname: "probe",
  os: "linux",
  arch: "x64",
  restic: { version: "0.18.0", path: "restic", problem: null },
};

/** Enrolls a host with a fresh one-time token, as `agent enroll` would; returns its credential. */
export async function enrollHost(
  world: World,
  admin: ReturnType<World["client"]>,
  hostname: string,
) {
  const { token } = await admin.hosts.createEnrollment.mutate({ expiresInHours: 1 });
  return world.client().agent.enroll.mutate({
    token,
    hostname,
    os: "linux",
    arch: "x64",
    agentVersion: "test",
  });
}

/**
 * The agent's end of the link, driven by the test: a tRPC WebSocket client with the agent's
 * connection params. With `subscribe` it holds the command subscription as a running agent
 * does; without, it is authenticated but not (yet) subscribed. It never reconnects by itself.
 */
export function connectAgent(
  world: World,
  credential: string,
  options: { hello?: TAgentHello; subscribe?: boolean } = {},
) {
  const commands: TAgentCommand[] = [];
  /** The schedule lists pushed to the agent (on connect and on every change), apart. */
  const schedules: Array<Extract<TAgentCommand, { type: "schedules" }>["schedules"]> = [];
  const closes: number[] = [];
  const wsClient = createWSClient({
    url: `${world.server.url.replace("http", "ws")}/agent/ws`,
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    connectionParams: () => ({
      credential,
      hello: JSON.stringify(options.hello ?? HELLO),
    }),
    retryDelayMs: () => 60_000,
    onClose: (cause) => closes.push(cause?.code ?? 0),
  });
  const trpc = createTRPCClient<AppRouter>({
    links: [wsLink({ client: wsClient, transformer: superjson })],
  });
  const subscription =
    options.subscribe === false
      ? undefined
      : trpc.agent.commands.subscribe(undefined, {
          onData: (command) => {
            if (command.type === "schedules") schedules.push(command.schedules);
            else commands.push(command);
          },
        });
  return {
    trpc,
    commands,
    schedules,
    closes,
    async close() {
      subscription?.unsubscribe();
      await wsClient.close();
    },
  };
}
