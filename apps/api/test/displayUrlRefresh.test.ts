import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { insertReadyRepository } from "./support/repositories.js";
import { createWorld, type World } from "./support/world.js";

describe("display URLs written under an older masking rule", () => {
  let world: World;
  beforeEach(async () => {
    world = await createWorld();
  });
  afterEach(() => world.close());

  it("are recomputed from the sealed URL at start-up", async () => {
    const url = "rest:https://backup:Quartz@Violet@backup.example.org/fleet";
    const { id } = await insertReadyRepository(world.server.deps, {
      name: "fleet",
      url,
      password: "pw",
    });
    // What the first-@ rule used to store: half the password in the clear.
    await world.server.deps.db.repository.update({
      where: { id },
      data: { displayUrl: "rest:https://backup:***@Violet@backup.example.org/fleet" },
    });
    await world.restart();
    const row = await world.server.deps.db.repository.findUniqueOrThrow({ where: { id } });
    expect(row.displayUrl).toBe("rest:https://backup:***@backup.example.org/fleet");
    expect(JSON.stringify(row)).not.toContain("Violet");
  });
});
