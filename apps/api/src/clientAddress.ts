import type { IncomingMessage } from "node:http";

/** Express's compiled `trust proxy` setting: may the address `hop` steps away be believed? */
export type TrustProxy = (address: string, hop: number) => boolean;

/**
 * The client's address the way Express computes `req.ip`, for requests Express never sees
 * (WebSocket upgrades): the socket's address, or, while that address is a trusted proxy, the
 * next one back in X-Forwarded-For.
 */
export function clientAddress(req: IncomingMessage, trust: TrustProxy): string | undefined {
  let address = req.socket.remoteAddress;
  if (address === undefined) return undefined;
  const header = req.headers["x-forwarded-for"];
  const forwarded = (Array.isArray(header) ? header.join(",") : (header ?? ""))
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0)
    .reverse();
  for (let hop = 0; hop < forwarded.length && trust(address, hop); hop += 1) {
    address = forwarded[hop] ?? address;
  }
  return address;
}
