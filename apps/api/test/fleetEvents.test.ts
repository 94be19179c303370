import { EventEmitter } from "node:events";
import type { TFleetBatch, TFleetEvent } from "@restic-manager/contracts";
import { waitFor } from "@restic-manager/test-support";
import superjson from "superjson";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fleetEventStream } from "../src/events/router.js";
import { FleetEventStream } from "../src/events/stream.js";
import type { JobStateEvent } from "../src/jobs/eventBus.js";
import { HALFWAY } from "./support/actors.js";
import { type AgentProcess, enrollAgent, startAgent } from "./support/agents.js";
import { type Client, createWorld, jarOf, type World } from "./support/world.js";

/** The fleet stream read over plain HTTP as server-sent events, as a browser reads it. */
class FleetReader {
  readonly batches: TFleetBatch[] = [];
  private readonly abort = new AbortController();
  readonly done: Promise<void>;

  constructor(url: string, cookie: string) {
    this.done = this.read(url, cookie).catch((error: unknown) => {
      if (!this.abort.signal.aborted) throw error;
    });
  }

  get events(): TFleetEvent[] {
    return this.batches.flatMap((batch) => batch.events);
  }

  async until<T extends TFleetEvent>(
    test: (event: TFleetEvent) => event is T,
    what: string,
  ): Promise<T> {
    return waitFor(() => this.events.find(test), { timeoutMs: 30_000, intervalMs: 20, what });
  }

  close() {
    this.abort.abort();
  }

  private async read(url: string, cookie: string) {
    const response = await fetch(`${url}/trpc/events.fleet`, {
      headers: { cookie, accept: "text/event-stream" },
      signal: this.abort.signal,
    });
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const reader = response.body?.getReader();
    if (!reader) throw new Error("no body");
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end = buffer.indexOf("\n\n");
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = /^data: ?(.*)$/m.exec(block)?.[1];
        // The first message (connected) and pings carry no batch.
        if (data && !/^event: ?(connected|ping)/m.test(block)) {
          this.batches.push(superjson.parse<TFleetBatch>(data));
        }
        end = buffer.indexOf("\n\n");
      }
    }
  }
}

const isHost = (hostId: string | undefined, online: boolean) => (event: TFleetEvent) =>
  event.type === "host" && event.online === online && (!hostId || event.hostId === hostId);

const isJob = (jobId: string, state: string) => (event: TFleetEvent) =>
  event.type === "job" && event.jobId === jobId && event.state === state;

describe("the fleet event stream", () => {
  let world: World;
  let admin: Client;
  let agent: AgentProcess | undefined;
  const readers: FleetReader[] = [];

  async function subscribe(client: Client) {
    const stream = fleetEventStream(world.server.deps);
    const before = stream.subscriberCount;
    const reader = new FleetReader(world.server.url, jarOf(client).cookie ?? "");
    readers.push(reader);
    await waitFor(() => stream.subscriberCount > before, { what: "the stream to open" });
    return reader;
  }

  beforeEach(async () => {
    world = await createWorld();
    await world.addUser("admin", "admin");
    await world.addUser("viewer", "viewer");
    admin = await world.signIn("admin");
  });

  afterEach(async () => {
    for (const reader of readers.splice(0)) reader.close();
    await agent?.stop();
    agent = undefined;
    await world.close();
  });

  it("tells a viewer when a real agent connects and when it goes away", async () => {
    const viewer = await subscribe(await world.signIn("viewer"));
    agent = startAgent(await enrollAgent(admin, world.server.url));
    const online = await viewer.until(
      (e): e is Extract<TFleetEvent, { type: "host" }> => isHost(undefined, true)(e),
      "the agent's online event",
    );
    await agent.stop();
    agent = undefined;
    await viewer.until(
      (e): e is Extract<TFleetEvent, { type: "host" }> => isHost(online.hostId, false)(e),
      "the agent's offline event",
    );
    const host = await admin.hosts.get.query({ id: online.hostId });
    expect(host.online).toBe(false);
  });

  it("carries a job's states from its creation to its success", async () => {
    const viewer = await subscribe(await world.signIn("viewer"));
    agent = startAgent(await enrollAgent(admin, world.server.url));
    const { hostId } = await viewer.until(
      (e): e is Extract<TFleetEvent, { type: "host" }> => isHost(undefined, true)(e),
      "the agent's online event",
    );
    const { id } = await admin.jobs.create.mutate({ hostId, params: { kind: "version" } });
    const finished = await viewer.until(
      (e): e is Extract<TFleetEvent, { type: "job" }> => isJob(id, "succeeded")(e),
      "the job's succeeded event",
    );
    expect(finished).toMatchObject({ exitCode: 0, error: null });
    const events = viewer.events.flatMap((e) => (e.type === "job" && e.jobId === id ? [e] : []));
    // Coalescing may merge the states in between, but the first still says the job is new.
    expect(events[0]?.created).toBe(true);
    expect(events.at(-1)?.state).toBe("succeeded");
    const times = events.map((e) => e.at.getTime());
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(viewer.events.every((e) => ["host", "job", "alerts"].includes(e.type))).toBe(true);
    const job = await admin.jobs.get.query({ id });
    expect(job.state).toBe("succeeded");
  });

  it("coalesces a burst: one message, each job once at its latest state, no progress", async () => {
    const viewer = await subscribe(await world.signIn("viewer"));
    const bus = world.server.deps.jobEvents;
    const at = new Date();
    // A first event goes out at once; the burst that follows waits for the next message.
    bus.publish("warm-up", { type: "state", state: "queued", exitCode: null, error: null, at });
    await viewer.until((e): e is TFleetEvent => isJob("warm-up", "queued")(e), "the first event");
    const before = viewer.batches.length;
    const progress = HALFWAY;
    for (let round = 0; round < 100; round += 1) {
      for (let job = 0; job < 20; job += 1) {
        const state = round === 99 ? "succeeded" : "running";
        bus.publish(`burst-${job}`, { type: "state", state, exitCode: null, error: null, at });
        bus.publish(`burst-${job}`, { type: "progress", progress });
      }
    }
    await viewer.until(
      (e): e is TFleetEvent => isJob("burst-19", "succeeded")(e),
      "the burst's last event",
    );
    const burst = viewer.batches.slice(before).flatMap((batch) => batch.events);
    // 4,000 events in: 20 out, one per job, each at its last state.
    expect(burst).toHaveLength(20);
    expect(new Set(burst.map((e) => (e.type === "job" ? e.jobId : e.type))).size).toBe(20);
    expect(burst.every((e) => e.type === "job" && e.state === "succeeded")).toBe(true);
    expect(viewer.batches.length - before).toBe(1);
  });

  it("sends one resync instead of more changes than a subscriber may hold", async () => {
    const viewer = await subscribe(await world.signIn("viewer"));
    const registry = world.server.deps.agents;
    registry.events.emit("online", "first");
    await viewer.until((e): e is TFleetEvent => isHost("first", true)(e), "the first event");
    // A reconnect storm of a fleet larger than the bound, within one interval.
    for (let host = 0; host < 5000; host += 1) registry.events.emit("online", `storm-${host}`);
    const resync = await viewer.until(
      (e): e is Extract<TFleetEvent, { type: "resync" }> => e.type === "resync",
      "a resync",
    );
    expect(resync.at).toBeInstanceOf(Date);
    expect(viewer.events.filter((e) => e.type === "host")).toHaveLength(1);
  });

  it("refuses a browser that is not signed in", async () => {
    const response = await fetch(`${world.server.url}/trpc/events.fleet`, {
      headers: { accept: "text/event-stream" },
    });
    const text = await response.text();
    expect(text).toContain("UNAUTHORIZED");
    expect(fleetEventStream(world.server.deps).subscriberCount).toBe(0);
  });
});

describe("FleetEventStream without HTTP", () => {
  function sources() {
    return {
      agents: new EventEmitter<{ online: [string]; offline: [string] }>(),
      jobs: new EventEmitter<{ state: [jobId: string, event: JobStateEvent] }>(),
      alerts: new EventEmitter<{ changed: [] }>(),
      schedules: new EventEmitter<{ changed: [] }>(),
    };
  }

  it("sends an empty message to a quiet subscriber, and forgets it once it leaves", async () => {
    const emitters = sources();
    const stream = new FleetEventStream(emitters, { keepAliveMs: 50 });
    const abort = new AbortController();
    const batches = stream.subscribe(abort.signal);
    const first = await batches.next();
    expect(first.value).toEqual({ events: [] });
    expect(stream.subscriberCount).toBe(1);
    emitters.alerts.emit("changed");
    emitters.schedules.emit("changed");
    const second = await batches.next();
    expect(second.value).toMatchObject({ events: [{ type: "alerts" }, { type: "schedules" }] });
    abort.abort();
    await batches.return(undefined);
    expect(stream.subscriberCount).toBe(0);
  });
});
