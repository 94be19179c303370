import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { once } from "node:events";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { type IncomingMessage, request } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort, type RestServer, startRestServer, waitFor } from "@restic-manager/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { loadConfig, SETTING_NAMES } from "../src/config.js";
import { type AgentProcess, enrollAgent, startAgent } from "./support/agents.js";
import { interpolate, parseYamlSubset } from "./support/composeYaml.js";
import { list, map, read, strings } from "./support/dockerDeployment.js";
import { randomTree, resultOf, waitForJobEnd } from "./support/jobs.js";
import { deriveSiteConfig, NGINX_SITE, type Nginx, startNginx } from "./support/nginx.js";
import { readStream, subscriptionUrl } from "./support/sse.js";
import { type Client, createWorld, makeClient, PASSWORD, type World } from "./support/world.js";

/**
 * A sign-in from a given loopback address (Linux answers on all of 127/8), as a browser on
 * another machine would send it to nginx; returns the status and the session cookie.
 */
async function signInFrom(url: string, localAddress: string, username: string) {
  const body = JSON.stringify({ json: { username, password: PASSWORD } });
  const req = request(`${url}/trpc/auth.login`, {
    method: "POST",
    localAddress,
    headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
  });
  req.end(body);
  const [res] = (await once(req, "response")) as [IncomingMessage];
  res.resume();
  await once(res, "end");
  const [pair = ""] = (res.headers["set-cookie"]?.[0] ?? "").split(";");
  return { status: res.statusCode, cookie: pair };
}

/**
 * One server (SQLite) behind a real nginx configured by docker/nginx/ (the upstream's addresses,
 * the listen address and the include path excepted), with a replica that is down listed first;
 * a real agent, restic and rest-server, and a browser, all reaching the server only through
 * nginx. The cases run in order, each building on the last.
 */
describe("the server behind nginx, configured as docker/nginx/ ships it", () => {
  let world: World;
  let nginx: Nginx;
  let rest: RestServer;
  let agent: AgentProcess | undefined;
  let admin: Client;
  let cookie = "";
  let deadUpstream = "";
  let hostId = "";
  let repositoryId = "";
  let snapshotId = "";
  let tree = "";
  let treeFile = "";

  beforeAll(async () => {
    tree = randomTree(3);
    treeFile = path.join(tree, "random.bin");
    rest = await startRestServer(mkdtempSync(path.join(tmpdir(), "rm-rest-")));
    // nginx reaches the server from 127.0.0.1, and only that address is trusted to say who the
    // client is; the browsers below come from other loopback addresses.
    world = await createWorld({ RM_TRUST_PROXY: "127.0.0.1", RM_JOB_LOST_AFTER: "1m" });
    deadUpstream = `127.0.0.1:${await freePort()}`;
    nginx = await startNginx({
      upstreams: [deadUpstream, `127.0.0.1:${world.server.port}`],
    });
    await world.addUser("admin", "admin");
  });

  afterAll(async () => {
    await agent?.stop();
    await nginx?.stop();
    await rest?.stop();
    await world?.close();
    rmSync(tree, { recursive: true, force: true });
  });

  it("records a browser's own address from X-Forwarded-For, not nginx's, for sign-ins and refused agents", async () => {
    const signedIn = await signInFrom(nginx.url, "127.0.0.5", "admin");
    expect(signedIn.status).toBe(200);
    cookie = signedIn.cookie;
    admin = makeClient(nginx.url, { cookie });

    const socket = new WebSocket(`${nginx.url.replace("http", "ws")}/agent/ws?connectionParams=1`, {
      localAddress: "127.0.0.6",
    });
    await once(socket, "open");
    const closed = once(socket, "close");
    socket.send(
      JSON.stringify({ method: "connectionParams", data: { credential: "x", hello: "{}" } }),
    );
    await closed;

    const addresses = async (action: string) =>
      (await world.server.deps.db.auditEvent.findMany({ where: { action } })).map((row) => row.ip);
    expect(await addresses("auth.login")).toEqual(["127.0.0.5"]);
    expect(await addresses("host.connect_refused")).toEqual(["127.0.0.6"]);
  });

  it("passes every request to the replica that answers when the other is down", async () => {
    for (let i = 0; i < 10; i++) {
      const response = await fetch(`${nginx.url}/healthz`);
      expect(response.status).toBe(200);
    }
    // The dead replica was tried, and its refusal cost the client nothing.
    expect(nginx.log()).toContain(`connect() failed (111: Connection refused)`);
    expect(nginx.log()).toContain(`upstream: "http://${deadUpstream}/`);
  });

  it("lets an agent enroll and hold its WebSocket through nginx, and a browser hears it come online", async () => {
    const fleet = readStream({
      url: subscriptionUrl(nginx.url, "events.fleet", undefined),
      cookie,
      onEvent: async () => undefined,
      until: (events) => events.some((event) => /"online":true/.test(event.data)),
    });
    const configFile = await enrollAgent(admin, nginx.url);
    agent = startAgent(configFile);
    const host = await waitFor(
      async () => (await admin.hosts.list.query()).items.find((h) => h.online),
      { timeoutMs: 30_000, what: "the agent to come online" },
    );
    hostId = host.id;
    // The stream is still open when the change arrives: nginx did not hold it back.
    const { events, ended } = await fleet;
    expect(ended).toBe(false);
    expect(events.some((event) => event.data.includes(hostId))).toBe(true);
  });

  it("runs a backup on that agent, whose progress reaches a browser watching through nginx while it runs", async () => {
    const { repository, setupJobId } = await admin.repositories.create.mutate({
      name: "behind-nginx",
      url: rest.repository("behind-nginx"),
      password: "correct repository password",
      // Its maintenance host may read it for the browser: the download below.
      maintenance: { url: rest.repository("behind-nginx"), hostId },
      setup: { mode: "init", hostId },
    });
    expect((await waitForJobEnd(admin, setupJobId)).state).toBe("succeeded");
    repositoryId = repository.id;

    // Slowed by restic's upload limit, so the backup lasts a few seconds.
    const { id } = await admin.jobs.create.mutate({
      hostId,
      repositoryId,
      params: { kind: "backup", paths: [tree], limitUpload: 512 },
    });
    const { events, ended } = await readStream({
      url: subscriptionUrl(nginx.url, "jobs.watch", { id }),
      cookie,
      // The job's state as the server has it when each event reaches the browser.
      onEvent: async () => (await admin.jobs.get.query({ id })).state,
      until: (received) => received.some((event) => /"state":"succeeded"/.test(event.data)),
    });
    expect(ended).toBe(false);
    const progress = events.filter((event) => event.data.includes('"type":"progress"'));
    expect(progress.length).toBeGreaterThan(0);
    expect(progress[0]?.seen).toBe("running");

    const job = await waitForJobEnd(admin, id);
    expect(job.state, job.error ?? "").toBe("succeeded");
    snapshotId = resultOf(job, "backup").snapshotId ?? "";
    expect(snapshotId).toMatch(/^[0-9a-f]{64}$/);
  });

  it("streams a download from the agent's upload to the browser through nginx, byte for byte", async () => {
    const link = await admin.downloads.prepare.mutate({
      repositoryId,
      snapshotId,
      preferHostId: hostId,
      path: treeFile,
    });
    const response = await fetch(`${nginx.url}${link.url}`, { headers: { cookie } });
    expect(response.status).toBe(200);
    const received = Buffer.from(await response.arrayBuffer());
    const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");
    expect(received.length).toBe(3 * 1024 * 1024);
    expect(sha256(received)).toBe(sha256(readFileSync(treeFile)));
    // The agent's side went through nginx too: its upload, answered once the browser had it all.
    expect(nginx.accessLog()).toMatch(/"PUT \/agent\/uploads\/\S+ HTTP\/1\.1" 204 /);
  });

  it("takes new upstreams on reload, and the agent stays online", async () => {
    await nginx.reload([`127.0.0.1:${world.server.port}`]);
    const before = nginx.log().length;
    for (let i = 0; i < 5; i++) expect((await fetch(`${nginx.url}/healthz`)).status).toBe(200);
    expect(nginx.log().slice(before)).not.toContain("connect() failed");
    const host = await admin.hosts.get.query({ id: hostId });
    expect(host.online).toBe(true);
  });

  it("brings the agent back through nginx after its server went away", async () => {
    await world.restart(async () => {
      // No server answers: nginx says so at once rather than holding the request.
      expect((await fetch(`${nginx.url}/healthz`)).status).toBe(502);
    });
    // The agent's first socket ended with the server (nginx logs a WebSocket when it closes)…
    expect(nginx.accessLog()).toMatch(/"GET \/agent\/ws\?connectionParams=1 HTTP\/1\.1" 101 /);
    // …and it opened another, through nginx, to the server that came back.
    await waitFor(async () => (await admin.hosts.get.query({ id: hostId })).online, {
      timeoutMs: 30_000,
      what: "the agent to reconnect through nginx",
    });
  });
});

describe("the nginx the tests start", () => {
  it("runs unprivileged with everything it writes in its own directory, and leaves nothing once stopped", async () => {
    const upstream = createServer().listen(0, "127.0.0.1");
    await once(upstream, "listening");
    const address = upstream.address();
    if (address === null || typeof address === "string") throw new Error("no port");
    const nginx = await startNginx({ upstreams: [`127.0.0.1:${address.port}`] });
    try {
      const uid = (pid: number) =>
        Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]);
      const expected =
        process.getuid?.() === 0
          ? Number(execFileSync("id", ["-u", "nobody"], { encoding: "utf8" }))
          : process.getuid?.();
      expect(uid(nginx.pid)).toBe(expected);
      expect(readdirSync(nginx.dir).sort()).toEqual(
        expect.arrayContaining([
          "access.log",
          "nginx.conf",
          "nginx.pid",
          "proxy-temp",
          "proxy.conf",
          "restic-manager.conf",
        ]),
      );
      expect(readFileSync(path.join(nginx.dir, "nginx.pid"), "utf8").trim()).toBe(
        String(nginx.pid),
      );
    } finally {
      await nginx.stop();
      upstream.close();
    }
    expect(existsSync(nginx.dir)).toBe(false);
    expect(existsSync(`/proc/${nginx.pid}`)).toBe(false);
    await expect(fetch(nginx.url)).rejects.toThrow();
  });
});

describe("docker/'s nginx, as the tests run it and as its Compose variant runs it", () => {
  it("is docker's site with only the upstream's addresses, the listen address and the include path changed", () => {
    const shipped = readFileSync(NGINX_SITE, "utf8");
    const derived = deriveSiteConfig(shipped, {
      upstreams: ["127.0.0.1:1001", "127.0.0.1:1002", "127.0.0.1:1003"],
      listen: "127.0.0.1:2000",
      proxyFile: "/tmp/x/proxy.conf",
    });
    const removed = shipped.split("\n").filter((line) => !derived.split("\n").includes(line));
    const added = derived.split("\n").filter((line) => !shipped.split("\n").includes(line));
    expect(removed.map((line) => line.trim())).toEqual([
      "server 172.30.0.11:8080 max_fails=1 fail_timeout=10s; # server-1",
      "server 172.30.0.12:8080 max_fails=1 fail_timeout=10s; # server-2",
      "listen 80;",
      "include /etc/nginx/restic-manager/proxy.conf;",
    ]);
    expect(added.map((line) => line.trim())).toEqual([
      "server 127.0.0.1:1001 max_fails=1 fail_timeout=10s;",
      "server 127.0.0.1:1002 max_fails=1 fail_timeout=10s;",
      "server 127.0.0.1:1003 max_fails=1 fail_timeout=10s;",
      "listen 127.0.0.1:2000;",
      "include /tmp/x/proxy.conf;",
    ]);
  });

  it("puts nginx in front of both replicas at the addresses the site names, and has the replicas trust only nginx", () => {
    const compose = parseYamlSubset(read("docker/compose.postgres.yaml"));
    const services = map(compose.services, "services");
    const service = (name: string) => map(services[name], name);
    const addressOf = (name: string) =>
      String(map(map(service(name).networks, `${name}.networks`).default, name).ipv4_address);
    const replicas = ["server-1", "server-2"];

    const site = readFileSync(NGINX_SITE, "utf8");
    const upstream = [...site.matchAll(/^\s*server (\S+:\d+) /gm)].map((match) => match[1]);
    expect(upstream).toEqual(replicas.map((name) => `${addressOf(name)}:8080`));
    const proxyTarget = /include (\S+);/.exec(site)?.[1];
    expect(strings(service("nginx").volumes, "nginx.volumes")).toEqual([
      "./nginx/restic-manager.conf:/etc/nginx/conf.d/default.conf:ro",
      `./nginx/proxy.conf:${proxyTarget}:ro`,
    ]);
    expect(strings(service("nginx").ports, "nginx.ports")).toEqual(["8080:80"]);

    // Fixed addresses inside the subnet, outside the range other containers are given.
    const pool = map(map(compose.networks, "networks").default, "default").ipam;
    const subnet = list(map(pool, "ipam").config, "ipam.config")[0];
    expect(subnet).toEqual({ subnet: "172.30.0.0/24", ip_range: "172.30.0.128/25" });
    for (const name of ["nginx", ...replicas]) {
      expect(addressOf(name)).toMatch(/^172\.30\.0\.([1-9]|[1-9]\d|1[01]\d|12[0-7])$/);
    }

    for (const name of replicas) {
      expect(service(name).ports, `${name} publishes no port`).toBeUndefined();
      expect(service(name).env_file).toBe("./secrets/database.env");
      const env = Object.fromEntries(
        Object.entries(map(service(name).environment, name)).map(([key, value]) => [
          key,
          interpolate(String(value), {}),
        ]),
      );
      expect(Object.keys(env).filter((key) => !SETTING_NAMES.includes(key))).toEqual([]);
      const config = loadConfig(
        { ...env, RM_DATABASE_URL: "postgresql://restic_manager:x@postgres:5432/restic_manager" },
        "/",
      );
      expect(config.trustProxy).toEqual([addressOf("nginx")]);
      expect(config.masterKeyFile).toBe("/run/secrets/master_key");
      expect(config.publicUrl).toBe("http://localhost:8080");
    }
    expect(map(service("agent").environment, "agent").AGENT_SERVER_URL).toBe("http://nginx");
  });
});
