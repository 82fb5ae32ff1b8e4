// A decision the database refuses (the slot exclusion constraint) is planned again on a fresh
// snapshot, never replayed on every tick: here node loss re-places a reservation onto slots held
// by a booking beyond the cycle's horizon, or by a future maintenance window.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { upsertNode } from "../../../src/adapters/db/repos/nodes.ts";
import { runTick } from "../../../src/services/scheduling/tick.ts";
import { type Harness, HOUR, startHarness, T0 } from "../../support/api-harness.ts";
import { BACKENDS } from "../../support/database.ts";
import { recordingExecutor } from "../../support/recording-executor.ts";

const iso = (t: number) => new Date(t).toISOString();

describe.each(BACKENDS)("node loss against slots the cycle did not read, on %s", (backend) => {
  let h: Harness;
  let vision: string;
  beforeEach(async () => {
    h = await startHarness(backend);
    vision = await h.team("vision");
  });
  afterEach(async () => h.close());

  const book = async (start: number, end: number) => {
    const r = await h.call("POST", "/api/v1/reservations", {
      token: vision,
      body: { pool: "V100", nodes: 1, gpusPerNode: 4, priority: "high", start: iso(start), end: iso(end) },
    });
    expect(r.status).toBe(201);
    return r.body as { id: string; placement: { node: string }[] };
  };
  const state = async (id: string) => (await h.call("GET", `/api/v1/reservations/${id}`)).body.state;
  const nodeDown = (name: string) => upsertNode(h.ctx.db, { name, pool: "V100", gpus: 4, up: false });

  it("displaces a reservation whose only way out is a node booked more than two days ahead", async () => {
    const deps = {
      ctx: h.ctx,

      noShowSeconds: 0,
      executor: recordingExecutor().executor,
    };
    const long = await book(T0, T0 + 72 * HOUR);
    const later = await book(T0 + 60 * HOUR, T0 + 62 * HOUR);
    expect(later.placement[0]!.node).not.toBe(long.placement[0]!.node);
    await nodeDown(long.placement[0]!.node);
    h.setNow(T0 + HOUR);
    await runTick(deps, T0 + HOUR);
    await runTick(deps, T0 + HOUR + 1_000);
    expect(await state(long.id)).toBe("displaced");
    expect(await state(later.id)).toBe("confirmed");
  });

  it("displaces a reservation whose only way out is a node with a maintenance window ahead", async () => {
    const deps = {
      ctx: h.ctx,

      noShowSeconds: 0,
      executor: recordingExecutor().executor,
    };
    const r = await book(T0, T0 + 4 * HOUR);
    const other = r.placement[0]!.node === "V100-0" ? "V100-1" : "V100-0";
    const m = await h.call("POST", "/api/v1/maintenance", {
      body: { node: other, start: iso(T0 + 2 * HOUR), end: iso(T0 + 3 * HOUR), reason: "firmware" },
    });
    expect(m.status).toBe(201);
    await nodeDown(r.placement[0]!.node);
    h.setNow(T0 + HOUR);
    await runTick(deps, T0 + HOUR);
    await runTick(deps, T0 + HOUR + 1_000);
    expect(await state(r.id)).toBe("displaced");
  });
});
