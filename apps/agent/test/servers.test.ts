import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readAgentConfig, serverUrlsOf } from "../src/config.js";
import { ServerRotation } from "../src/servers.js";

const base = { hostId: "h1", hostName: "web1", credential: "rma_abc", stateDir: "/tmp/state" };

function configFile(content: object): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "rm-servers-")), "agent.json");
  writeFileSync(file, JSON.stringify({ ...base, ...content }));
  return file;
}

describe("the servers an agent config names", () => {
  it("keeps a config with one serverUrl (as enroll writes it) as it was", () => {
    const config = readAgentConfig(configFile({ serverUrl: "https://backup.example.org" }));
    expect(config.serverUrl).toBe("https://backup.example.org");
    expect(serverUrlsOf(config)).toEqual(["https://backup.example.org"]);
  });

  it("tries serverUrl first, then serverUrls in order, each once and without trailing slashes", () => {
    const config = readAgentConfig(
      configFile({
        serverUrl: "https://a.example.org/",
        serverUrls: [
          "https://b.example.org",
          "https://a.example.org",
          "http://c.example.org:8080/",
        ],
      }),
    );
    expect(serverUrlsOf(config)).toEqual([
      "https://a.example.org",
      "https://b.example.org",
      "http://c.example.org:8080",
    ]);
  });

  it("takes serverUrls alone, and refuses a config that names no server or a non-http one", () => {
    const config = readAgentConfig(configFile({ serverUrls: ["https://b.example.org"] }));
    expect(serverUrlsOf(config)).toEqual(["https://b.example.org"]);
    expect(() => readAgentConfig(configFile({}))).toThrow(/serverUrl names no server/);
    expect(() => readAgentConfig(configFile({ serverUrls: [] }))).toThrow(/names no server/);
    expect(() => readAgentConfig(configFile({ serverUrls: ["ftp://x"] }))).toThrow(/serverUrls/);
  });
});

describe("choosing the server to reconnect to (jitter fixed at its middle)", () => {
  const middle = () => 0.5;

  it("moves on to the next server after each failure, round-robin, from the first", () => {
    const rotation = new ServerRotation(["a", "b", "c"], middle);
    expect(rotation.current).toBe("a");
    const tried = [1, 2, 3, 4, 5].map(() => rotation.next({ refused: false }).url);
    expect(tried).toEqual(["b", "c", "a", "b", "c"]);
  });

  it("backs off further only when every server has failed once more", () => {
    const rotation = new ServerRotation(["a", "b"], middle);
    const waits = [1, 2, 3, 4, 5, 6].map(() => rotation.next({ refused: false }));
    expect(waits.map((w) => w.failedRounds)).toEqual([0, 1, 1, 2, 2, 3]);
    expect(waits.map((w) => w.delayMs)).toEqual([1000, 2000, 2000, 4000, 4000, 8000]);
  });

  it("starts the back-off over once a server accepts the agent, and tries the next one when it goes", () => {
    const rotation = new ServerRotation(["a", "b"], middle);
    for (let i = 0; i < 7; i += 1) rotation.next({ refused: false });
    expect(rotation.current).toBe("b");
    expect(rotation.next({ refused: false }).failedRounds).toBe(4);
    // Connected to a and accepted; then a goes away.
    rotation.accept();
    const afterLoss = rotation.next({ refused: false });
    expect(afterLoss).toEqual({ url: "b", delayMs: 1000, failedRounds: 0 });
    // b does not answer: one failure, still the first round.
    expect(rotation.next({ refused: false })).toEqual({ url: "a", delayMs: 1000, failedRounds: 0 });
    expect(rotation.next({ refused: false }).failedRounds).toBe(1);
  });

  it("waits longer after a refusal, and a refused attempt is not an acceptance", () => {
    const rotation = new ServerRotation(["a"], middle);
    expect(rotation.next({ refused: true })).toEqual({
      url: "a",
      delayMs: 32_000,
      failedRounds: 1,
    });
    expect(rotation.next({ refused: true }).delayMs).toBe(60_000);
  });

  it("with one URL (one server, or a load balancer) is the plain exponential back-off", () => {
    const rotation = new ServerRotation(["lb"], middle);
    rotation.accept();
    const waits = [1, 2, 3, 4].map(() => rotation.next({ refused: false }));
    expect(waits.map((w) => w.url)).toEqual(["lb", "lb", "lb", "lb"]);
    expect(waits.map((w) => w.delayMs)).toEqual([1000, 2000, 4000, 8000]);
  });
});
