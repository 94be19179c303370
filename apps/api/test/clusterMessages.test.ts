import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type ClusterMessageBody,
  decodePayload,
  fitPayloads,
  MAX_PAYLOAD_BYTES,
  payloadBytes,
} from "../src/cluster/messages.js";

/*
 * How messages are fitted into NOTIFY payloads, without PostgreSQL (clusterBus.test.ts sends
 * them through a real one).
 */

function fit(body: ClusterMessageBody, maxBytes = MAX_PAYLOAD_BYTES) {
  let seq = 0;
  const fitted = fitPayloads({ replicaId: "replica-a", body, nextSeq: () => seq++, maxBytes });
  const decoded = fitted.payloads.map((payload) => {
    const result = decodePayload(payload);
    if (!result.ok) throw new Error(`a payload does not decode: ${result.reason}`);
    return result.envelope;
  });
  return { ...fitted, decoded };
}

/** What the packing keeps free for a sequence number that grows. */
const SEQUENCE_SLACK = 8;
const SOLO_OVERHEAD = payloadBytes(
  JSON.stringify({ r: "replica-a", s: 0, m: { kind: "host-online", hostIds: [] } }),
);

describe("fitPayloads", () => {
  it("packs any host list into as few payloads as fit, in order, dropping only ids that fit nowhere", () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: "grapheme", minLength: 1, maxLength: 20 }), { maxLength: 80 }),
        fc.integer({ min: 120, max: 600 }),
        (hostIds, maxBytes) => {
          const { payloads, decoded, dropped } = fit({ kind: "host-online", hostIds }, maxBytes);
          const parts = decoded.map((envelope) =>
            envelope.m.kind === "host-online" ? envelope.m.hostIds : [],
          );
          for (const payload of payloads)
            expect(payloadBytes(payload)).toBeLessThanOrEqual(maxBytes);
          // An id's own bytes in a list (with its comma), and the room a message leaves for ids
          // (a few bytes either way for the sequence number's digits).
          const bytes = (id: string) => payloadBytes(JSON.stringify(id)) + 1;
          const room = maxBytes - SOLO_OVERHEAD - SEQUENCE_SLACK;
          const sent = parts.flat();
          expect(sent).toEqual(hostIds.filter((id) => sent.includes(id)));
          for (const id of hostIds) {
            if (bytes(id) <= room - 3) expect(sent).toContain(id);
            if (bytes(id) > room + 3) expect(sent).not.toContain(id);
          }
          expect(dropped).toBe(sent.length < hostIds.length);
          // Greedy: the first id of each payload would not have fitted into the one before.
          for (let i = 1; i < parts.length; i++) {
            const before = (parts[i - 1] ?? []).reduce((sum, id) => sum + bytes(id), 0);
            expect(before + bytes(parts[i]?.[0] ?? "")).toBeGreaterThan(room - 3);
          }
        },
      ),
    );
  });

  it("sends an empty host list as one message", () => {
    const { decoded } = fit({ kind: "host-offline", hostIds: [] });
    expect(decoded.map((envelope) => envelope.m)).toEqual([{ kind: "host-offline", hostIds: [] }]);
  });

  it("numbers the payloads so that two equal messages stay two", () => {
    let seq = 0;
    const next = () => seq++;
    const body: ClusterMessageBody = { kind: "wake", what: "deliveries" };
    const first = fitPayloads({ replicaId: "r", body, nextSeq: next }).payloads;
    const second = fitPayloads({ replicaId: "r", body, nextSeq: next }).payloads;
    expect(first).toHaveLength(1);
    expect(first).not.toEqual(second);
  });

  it("shortens a state's long error rather than lose the state", () => {
    const error = "x".repeat(20_000);
    const { decoded, dropped } = fit({
      kind: "job-event",
      jobId: "j1",
      event: { type: "state", state: "failed", exitCode: 1, error, at: new Date().toISOString() },
    });
    expect(dropped).toBe(false);
    const event = decoded[0]?.m.kind === "job-event" ? decoded[0].m.event : undefined;
    expect(event).toMatchObject({ type: "state", state: "failed", error: "x".repeat(1000) });
  });

  it("sends a progress without its file names when they do not fit", () => {
    const progress = {
      kind: "backup" as const,
      percentDone: 0.25,
      secondsElapsed: 3,
      secondsRemaining: 9,
      totalFiles: 4,
      filesDone: 1,
      totalBytes: 100,
      bytesDone: 25,
      errorCount: 0,
      currentFiles: ["/a".repeat(2000), "/b".repeat(2000)],
    };
    const { decoded, dropped } = fit({
      kind: "job-event",
      jobId: "j1",
      event: { type: "progress", progress },
    });
    expect(dropped).toBe(false);
    expect(decoded[0]?.m).toEqual({
      kind: "job-event",
      jobId: "j1",
      event: { type: "progress", progress: { ...progress, currentFiles: [] } },
    });
  });

  it("drops a message that cannot be made to fit, and says so", () => {
    const { payloads, dropped } = fit({ kind: "dispatch", hostId: "h".repeat(9000) });
    expect(payloads).toEqual([]);
    expect(dropped).toBe(true);
  });
});
