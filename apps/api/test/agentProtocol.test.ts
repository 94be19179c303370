import { once } from "node:events";
import type { TAgentHello } from "@restic-manager/contracts";
import { waitFor } from "@restic-manager/test-support";
import { TRPCClientError } from "@trpc/client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import type { AppRouter } from "../src/router.js";
import { connectAgent, enrollHost, HELLO } from "./support/agentLink.js";
import { insertReadyRepository } from "./support/repositories.js";
import { type Client, createWorld, type World } from "./support/world.js";

/** Opens a raw agent socket and returns the first message and how it closed. */
async function rawConnect(url: string, params: Record<string, string>) {
  const ws = new WebSocket(`${url.replace("http", "ws")}/agent/ws?connectionParams=1`);
  await once(ws, "open");
  const messages: string[] = [];
  ws.on("message", (data) => messages.push(data.toString()));
  const closed = once(ws, "close") as Promise<[number, Buffer]>;
  ws.send(JSON.stringify({ method: "connectionParams", data: params }));
  const [code] = await closed;
  return { code, messages };
}

describe("the agent link refuses bad input without disturbing anyone else", () => {
  let world: World;
  let admin: Client;

  const enroll = (hostname: string) => enrollHost(world, admin, hostname);
  const connect = (credential: string, hello: TAgentHello = HELLO) =>
    connectAgent(world, credential, { hello });

  beforeEach(async () => {
    world = await createWorld();
    await world.addUser("admin", "admin");
    admin = await world.signIn("admin");
  });
  afterEach(() => world.close());

  it("a one-time enrollment token enrolls once", async () => {
    const { token } = await admin.hosts.createEnrollment.mutate({ expiresInHours: 1 });
    const request = {
      token,
      hostname: "web1",
      os: "linux" as const,
      arch: "x64",
      agentVersion: "test",
    };
    const first = await world.client().agent.enroll.mutate(request);
    expect(first.credential).toMatch(/^rma_/);
    const again = world.client().agent.enroll.mutate({ ...request, hostname: "intruder" });
    await expect(again).rejects.toThrow(/already used/);
    expect((await admin.hosts.list.query()).items.map((h) => h.name)).toEqual(["web1"]);
    await expect(
      world.client().agent.enroll.mutate({ ...request, token: "rme_nonsense" }),
    ).rejects.toThrow(/malformed/);
  });

  it("enrollments at once: one token enrolls one host, and hosts of one hostname get names of their own", async () => {
    const request = { hostname: "twin", os: "linux" as const, arch: "x64", agentVersion: "test" };
    // One token, five enrollments at the same moment: exactly one host.
    const { token } = await admin.hosts.createEnrollment.mutate({ expiresInHours: 1 });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 5 }, () => world.client().agent.enroll.mutate({ ...request, token })),
    );
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    for (const outcome of outcomes) {
      if (outcome.status === "rejected") expect(String(outcome.reason)).toMatch(/already used/);
    }
    // Five tokens of one hostname at once: five hosts, five names.
    const tokens = await Promise.all(
      Array.from({ length: 5 }, () => admin.hosts.createEnrollment.mutate({ expiresInHours: 1 })),
    );
    await Promise.all(
      tokens.map((t) => world.client().agent.enroll.mutate({ ...request, token: t.token })),
    );
    const names = (await admin.hosts.list.query()).items.map((h) => h.name).sort();
    expect(names).toEqual(["twin", "twin-2", "twin-3", "twin-4", "twin-5", "twin-6"]);
  });

  it("an unsupported protocol version or a bad credential is refused with the reason", async () => {
    const { credential, hostId } = await enroll("web1");
    const tooNew = await rawConnect(world.server.url, {
      credential,
      hello: JSON.stringify({ ...HELLO, protocolVersion: 99 }),
    });
    expect(tooNew.messages.join()).toContain("agent protocol 99 is not supported");
    expect(tooNew.messages.join()).toContain("upgrade the server");

    const forged = await rawConnect(world.server.url, {
      credential: `${credential.slice(0, -4)}AAAA`,
      hello: JSON.stringify(HELLO),
    });
    expect(forged.messages.join()).toContain("the credential is unknown");

    const refusals = await world.server.deps.db.auditEvent.findMany({
      where: { action: "host.connect_refused" },
    });
    expect(refusals).toHaveLength(2);
    expect(refusals.every((r) => r.targetId === hostId)).toBe(true);
    expect(world.server.deps.agents.isOnline(hostId)).toBe(false);
  });

  it("refuses a report about another host's job, and that job is untouched", async () => {
    const one = await enroll("one");
    const two = await enroll("two");
    const repo = await insertReadyRepository(world.server.deps, {
      name: "r",
      url: "/tmp/nowhere",
      password: "pw",
    });
    const agentOne = connect(one.credential);
    const agentTwo = connect(two.credential);
    try {
      await waitFor(() => world.server.deps.agents.isOnline(one.hostId) || undefined, {
        what: "agent one",
      });
      await waitFor(() => world.server.deps.agents.isOnline(two.hostId) || undefined, {
        what: "agent two",
      });
      const { id } = await admin.jobs.create.mutate({
        hostId: one.hostId,
        repositoryId: repo.id,
        params: { kind: "snapshots" },
      });
      await waitFor(() => agentOne.commands.find((c) => c.type === "job" && c.job.id === id), {
        what: "the job to reach its agent",
      });
      expect(agentTwo.commands).toEqual([]);

      const stolen = agentTwo.trpc.agent.jobFinished.mutate({
        jobId: id,
        outcome: "succeeded",
        exitCode: 0,
        error: null,
        finishedAt: new Date(),
      });
      await expect(stolen).rejects.toThrow(/does not belong to this host/);
      expect((await admin.jobs.get.query({ id })).state).toBe("dispatched");

      // The owner's report still counts, and agent two's link still works.
      await agentOne.trpc.agent.jobStarted.mutate({ jobId: id, startedAt: new Date() });
      expect((await admin.jobs.get.query({ id })).state).toBe("running");
      await expect(
        agentTwo.trpc.agent.reconcile.mutate({ running: [], finished: [] }),
      ).resolves.toEqual({
        recorded: 0,
        lost: 0,
      });
    } finally {
      await agentOne.close();
      await agentTwo.close();
    }
  });

  it("rejects malformed and unknown messages on a live link, which keeps working", async () => {
    const one = await enroll("one");
    const agent = connect(one.credential);
    try {
      await waitFor(() => world.server.deps.agents.isOnline(one.hostId) || undefined, {
        what: "agent",
      });
      const malformed = agent.trpc.agent.jobLog.mutate({
        jobId: "x",
        lines: [{ at: new Date(), stream: "bogus" as "stdout", line: "hi" }],
      });
      const error = await malformed.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TRPCClientError);
      expect((error as TRPCClientError<AppRouter>).data?.code).toBe("BAD_REQUEST");

      // A procedure that does not exist: the typed client cannot call one, so go around it.
      const untyped = agent.trpc as unknown as {
        agent: { selfDestruct: { mutate(input: unknown): Promise<unknown> } };
      };
      await expect(untyped.agent.selfDestruct.mutate({})).rejects.toThrow(
        /No "mutation"-procedure on path "agent.selfDestruct"/,
      );

      await expect(
        agent.trpc.agent.reconcile.mutate({ running: [], finished: [] }),
      ).resolves.toBeDefined();
      expect(world.server.deps.agents.isOnline(one.hostId)).toBe(true);
      expect(await world.server.deps.db.jobLog.count()).toBe(0);
    } finally {
      await agent.close();
    }
  });

  it("closes only the socket that sends an oversized message", async () => {
    const one = await enroll("one");
    const two = await enroll("two");
    const agentTwo = connect(two.credential);
    try {
      await waitFor(() => world.server.deps.agents.isOnline(two.hostId) || undefined, {
        what: "agent two",
      });
      const ws = new WebSocket(
        `${world.server.url.replace("http", "ws")}/agent/ws?connectionParams=1`,
      );
      await once(ws, "open");
      ws.send(
        JSON.stringify({
          method: "connectionParams",
          data: { credential: one.credential, hello: JSON.stringify(HELLO) },
        }),
      );
      const closed = once(ws, "close") as Promise<[number, Buffer]>;
      ws.send("x".repeat(2 * 1024 * 1024));
      const [code] = await closed;
      expect(code).toBe(1009);
      expect(world.server.deps.agents.isOnline(two.hostId)).toBe(true);
      await expect(
        agentTwo.trpc.agent.reconcile.mutate({ running: [], finished: [] }),
      ).resolves.toBeDefined();
    } finally {
      await agentTwo.close();
    }
  });

  it("revoking a host closes its socket at once and keeps it out", async () => {
    const one = await enroll("one");
    const agent = connect(one.credential);
    try {
      await waitFor(() => world.server.deps.agents.isOnline(one.hostId) || undefined, {
        what: "agent",
      });
      await admin.hosts.revoke.mutate({ id: one.hostId });
      await waitFor(() => agent.closes.includes(4003) || undefined, {
        what: "the socket to close",
      });
      expect(world.server.deps.agents.isOnline(one.hostId)).toBe(false);
      const retry = await rawConnect(world.server.url, {
        credential: one.credential,
        hello: JSON.stringify(HELLO),
      });
      expect(retry.messages.join()).toContain("this host was revoked");
    } finally {
      await agent.close();
    }
  });

  it("closes a socket that never authenticates", async () => {
    const ws = new WebSocket(
      `${world.server.url.replace("http", "ws")}/agent/ws?connectionParams=1`,
    );
    await once(ws, "open");
    const [code, reason] = (await once(ws, "close")) as [number, Buffer];
    expect(code).toBe(4401);
    expect(reason.toString()).toBe("authentication timeout");
  });
});
