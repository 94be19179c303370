import type { TAgentCommand } from "@restic-manager/contracts";
import { waitFor } from "@restic-manager/test-support";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { appRouter } from "../src/router.js";
import { connectAgent, enrollHost, HELLO } from "./support/agentLink.js";
import { insertReadyRepository } from "./support/repositories.js";
import { type Client, createWorld, type World } from "./support/world.js";

describe("what an agent credential can do after its host is revoked or its job ended", () => {
  let world: World;
  let admin: Client;

  const enroll = (hostname: string) => enrollHost(world, admin, hostname);
  /** An agent socket that authenticates but does not subscribe to its commands (yet). */
  const socket = (credential: string) => connectAgent(world, credential, { subscribe: false });

  beforeEach(async () => {
    world = await createWorld();
    await world.addUser("admin", "admin");
    admin = await world.signIn("admin");
  });
  afterEach(() => world.close());

  it("a socket opened before a revoke is closed, gets no job and no answer after it", async () => {
    const host = await enroll("web1");
    const repository = await insertReadyRepository(world.server.deps, {
      name: "r",
      url: "/tmp/nowhere",
      password: "the repository password",
    });
    const agent = socket(host.credential);
    try {
      // Authenticated: its calls are answered, but it holds no command subscription.
      await expect(
        agent.trpc.agent.reconcile.mutate({ running: [], finished: [] }),
      ).resolves.toEqual({ recorded: 0, lost: 0 });
      expect(world.server.deps.agents.isOnline(host.hostId)).toBe(false);
      const { id: jobId } = await admin.jobs.create.mutate({
        hostId: host.hostId,
        repositoryId: repository.id,
        params: { kind: "snapshots" },
      });

      await admin.hosts.revoke.mutate({ id: host.hostId });
      await waitFor(() => agent.closes.includes(4003) || undefined, {
        what: "the socket to be closed",
      });

      const commands: TAgentCommand[] = [];
      const errors: string[] = [];
      const subscription = agent.trpc.agent.commands.subscribe(undefined, {
        onData: (command) => commands.push(command),
        onError: (error) => errors.push(error.message),
      });
      await expect(
        agent.trpc.agent.jobStarted.mutate({ jobId, startedAt: new Date() }),
      ).rejects.toThrow();
      subscription.unsubscribe();
      expect(commands).toEqual([]);
      expect((await admin.jobs.get.query({ id: jobId })).state).toBe("queued");
    } finally {
      await agent.close();
    }
  });

  it("every call on a socket that outlived a revoke is refused, even before it closes", async () => {
    const host = await enroll("web2");
    // The context a socket keeps for its life, with a close that has not happened yet.
    const closes: string[] = [];
    const caller = appRouter.createCaller({
      deps: world.server.deps,
      actor: undefined,
      credentialProblem: undefined,
      agent: {
        hostId: host.hostId,
        hostName: host.hostName,
        hello: HELLO,
        close: (_code, reason) => closes.push(reason),
      },
      meta: { ip: "127.0.0.1", userAgent: undefined },
      setSessionCookie() {},
      clearSessionCookie() {},
    });
    await expect(caller.agent.reconcile({ running: [], finished: [] })).resolves.toEqual({
      recorded: 0,
      lost: 0,
    });
    await admin.hosts.revoke.mutate({ id: host.hostId });
    await expect(caller.agent.reconcile({ running: [], finished: [] })).rejects.toThrow(
      "This host was revoked",
    );
    expect(closes).toEqual(["host revoked"]);
  });

  it("a finished job's log is closed to its agent", async () => {
    const host = await enroll("web3");
    const repository = await insertReadyRepository(world.server.deps, {
      name: "r3",
      url: "/tmp/nowhere",
      password: "pw",
    });
    const agent = socket(host.credential);
    const subscription = agent.trpc.agent.commands.subscribe(undefined, { onData: () => {} });
    try {
      await waitFor(() => world.server.deps.agents.isOnline(host.hostId) || undefined, {
        what: "the agent",
      });
      const { id: jobId } = await admin.jobs.create.mutate({
        hostId: host.hostId,
        repositoryId: repository.id,
        params: { kind: "snapshots" },
      });
      const line = (text: string) => ({ at: new Date(), stream: "stdout" as const, line: text });
      await agent.trpc.agent.jobStarted.mutate({ jobId, startedAt: new Date() });
      await agent.trpc.agent.jobLog.mutate({ jobId, lines: [line("while running")] });
      await agent.trpc.agent.jobFinished.mutate({
        jobId,
        outcome: "failed",
        exitCode: 1,
        error: "it failed",
        finishedAt: new Date(),
      });
      await expect(
        agent.trpc.agent.jobLog.mutate({ jobId, lines: [line("written afterwards")] }),
      ).resolves.toEqual({ accepted: false });
      const job = await admin.jobs.get.query({ id: jobId });
      expect(job.logs.map((l) => l.line)).toEqual(["while running"]);
    } finally {
      subscription.unsubscribe();
      await agent.close();
    }
  });
});
