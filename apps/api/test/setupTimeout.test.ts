import { waitFor } from "@restic-manager/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentProcess, enrollAgent, startAgent } from "./support/agents.js";
import { waitForJobEnd } from "./support/jobs.js";
import { type Client, createWorld, type World } from "./support/world.js";

/**
 * restic retries an unreachable backend for minutes; setting a repository up gives up after
 * RM_SETUP_TIMEOUT instead (2 s here, 120 s by default) and withdraws the registration.
 */
describe("setting up a repository whose backend does not answer", () => {
  let world: World;
  let admin: Client;
  let agent: AgentProcess;
  let hostId: string;

  beforeAll(async () => {
    world = await createWorld({ RM_SETUP_TIMEOUT: "2s" });
    await world.addUser("admin", "admin");
    admin = await world.signIn("admin");
    agent = startAgent(await enrollAgent(admin, world.server.url));
    hostId = (
      await waitFor(async () => (await admin.hosts.list.query()).items.find((h) => h.online), {
        timeoutMs: 30_000,
        what: "the agent to come online",
      })
    ).id;
  });

  afterAll(async () => {
    await agent?.stop();
    await world?.close();
  });

  it("gives up, says why and registers nothing", async () => {
    const { setupJobId } = await admin.repositories.create.mutate({
      name: "unreachable",
      url: "rest:http://127.0.0.1:9/nowhere",
      password: "pw",
      setup: { mode: "adopt", hostId },
    });
    const setup = await waitForJobEnd(admin, setupJobId, 30_000);
    expect(setup.state).toBe("failed");
    expect(setup.error).toBe(
      "Registration withdrawn: gave up after 2 s: the repository did not answer in time (is the backend reachable?)",
    );
    expect(await admin.repositories.list.query()).toEqual({ items: [], nextCursor: null });
  });
});
