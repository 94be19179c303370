import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../src/errors.js";
import {
  afterKeyset,
  decodeCursor,
  decodeCursorOf,
  encodeCursor,
  mergeKeyset,
} from "../src/pagination.js";
import { type Client, codeOf, createWorld, type World } from "./support/world.js";

describe("keyset cursors", () => {
  it("round-trip a date key or a name key with the row's id", () => {
    const at = new Date("2026-05-04T03:02:01.123Z");
    expect(decodeCursor(encodeCursor({ key: at, id: "job1" }))).toEqual({ key: at, id: "job1" });
    expect(decodeCursor(encodeCursor({ key: "web-01", id: "h1" }))).toEqual({
      key: "web-01",
      id: "h1",
    });
    expect(decodeCursor(undefined)).toBeNull();
  });

  it("refuse a cursor that is not one of ours, or of another list's kind, as BAD_REQUEST", () => {
    const refused = (call: () => unknown) => {
      try {
        call();
      } catch (error) {
        return error instanceof AppError ? error.code : "other";
      }
      return "accepted";
    };
    expect(refused(() => decodeCursor("not-base64-json"))).toBe("BAD_REQUEST");
    expect(refused(() => decodeCursor(Buffer.from('{"d":1}').toString("base64url")))).toBe(
      "BAD_REQUEST",
    );
    expect(
      refused(() => decodeCursor(Buffer.from('{"d":1e20,"i":"x"}').toString("base64url"))),
    ).toBe("BAD_REQUEST");
    const name = encodeCursor({ key: "web-01", id: "h1" });
    expect(refused(() => decodeCursorOf(name, "date"))).toBe("BAD_REQUEST");
    expect(refused(() => decodeCursorOf(name, "string"))).toBe("accepted");
  });

  it("say 'after this row' as a range on the key and a tie-break on the id", () => {
    const after = { key: new Date(5), id: "m" };
    expect(afterKeyset("createdAt", "desc", after)).toEqual({
      AND: [
        { createdAt: { lte: after.key } },
        { OR: [{ createdAt: { lt: after.key } }, { id: { lt: "m" } }] },
      ],
    });
    expect(afterKeyset("name", "asc", { key: "b", id: "m" })).toEqual({
      AND: [{ name: { gte: "b" } }, { OR: [{ name: { gt: "b" } }, { id: { gt: "m" } }] }],
    });
    expect(afterKeyset("createdAt", "desc", null)).toEqual({});
  });

  it("merge several ranges into one page in their common order", () => {
    const row = (id: string, at: number) => ({ id, at: new Date(at) });
    const merged = mergeKeyset(
      [
        [row("a", 9), row("c", 5), row("e", 1)],
        [row("b", 7), row("d", 5), row("c", 5)],
      ],
      4,
      (r) => r.at,
      "desc",
    );
    expect(merged.map((r) => r.id)).toEqual(["a", "b", "d", "c"]);
  });
});

describe("a bad cursor through the API", () => {
  let world: World;
  let admin: Client;

  beforeAll(async () => {
    world = await createWorld();
    await world.addUser("admin", "admin");
    admin = await world.signIn("admin");
  });

  afterAll(async () => {
    await world?.close();
  });

  it("is BAD_REQUEST on every paged list, and a good one pages", async () => {
    const bad = "garbage";
    expect(await codeOf(admin.jobs.list.query({ cursor: bad }))).toBe("BAD_REQUEST");
    expect(await codeOf(admin.hosts.list.query({ cursor: bad }))).toBe("BAD_REQUEST");
    expect(await codeOf(admin.audit.list.query({ cursor: bad }))).toBe("BAD_REQUEST");
    expect(await codeOf(admin.alerts.list.query({ cursor: bad }))).toBe("BAD_REQUEST");
    expect(await codeOf(admin.schedules.list.query({ cursor: bad }))).toBe("BAD_REQUEST");
    expect(await codeOf(admin.schedules.misses.query({ cursor: bad }))).toBe("BAD_REQUEST");

    // Signing in wrote audit events: one per page, then the end.
    const first = await admin.audit.list.query({ limit: 1 });
    expect(first.items).toHaveLength(1);
    expect(first.nextCursor).toBeTruthy();
    const second = await admin.audit.list.query({ limit: 1, cursor: first.nextCursor });
    expect(second.items[0]?.id).not.toBe(first.items[0]?.id);
  });
});
