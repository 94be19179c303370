import { once } from "node:events";
import { createServer } from "node:net";

/**
 * A loopback port nothing listens on now: for servers that cannot take port 0, and for a
 * server that is down. Another process may take it before the caller does.
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  await once(server, "close");
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}
