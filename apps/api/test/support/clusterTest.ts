import { once } from "node:events";
import { connect, createServer, type Socket } from "node:net";
import { Writable } from "node:stream";
import { afterAll, afterEach, beforeAll } from "vitest";
import { createLogger } from "../../src/logger.js";
import { type PostgresCluster, startPostgresCluster } from "./postgres.js";

/**
 * What the cluster pieces' test files share: a real PostgreSQL started for the file, a database
 * per test (notifications and advisory locks do not cross databases, so tests cannot disturb
 * each other), and whatever a test started stopped after it, last first.
 */
export function clusterTestBed(prefix: string) {
  let cluster: PostgresCluster | undefined;
  let databases = 0;
  const cleanups: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    cluster = await startPostgresCluster();
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  afterAll(async () => {
    await cluster?.stop();
  });
  const started = () => {
    if (!cluster) throw new Error("the cluster has not started");
    return cluster;
  };
  return {
    cleanups,
    cluster: started,
    newDatabase(): Promise<string> {
      databases += 1;
      return started().createDatabase(`${prefix}_${databases}`);
    },
  };
}

/** A logger whose JSON lines the test can read back. */
export function captureLogs() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { logger: createLogger("debug", sink), lines };
}

/**
 * A TCP proxy in front of PostgreSQL that can cut its clients off the way a network partition
 * does: bytes stop flowing both ways but no connection is closed, and new ones are refused.
 */
export async function startPartitionProxy(port: number) {
  const pairs: { client: Socket; server: Socket }[] = [];
  let cut = false;
  const server = createServer((client) => {
    if (cut) {
      client.destroy();
      return;
    }
    const upstream = connect(port, "127.0.0.1");
    const pair = { client, server: upstream };
    pairs.push(pair);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", close);
    upstream.on("error", close);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return {
    url: (database: string) => `postgresql://postgres@127.0.0.1:${address.port}/${database}`,
    cut() {
      cut = true;
      for (const pair of pairs) {
        pair.client.unpipe(pair.server);
        pair.server.unpipe(pair.client);
        pair.client.pause();
        pair.server.pause();
      }
    },
    heal() {
      cut = false;
    },
    async close() {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.server.destroy();
      }
      server.close();
      await once(server, "close");
    },
  };
}
