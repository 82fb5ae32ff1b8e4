// The scheduling cycle reads reservations only up to a horizon ahead (services/scheduling-cycle.ts,
// CYCLE_HORIZON_MS) plus those that matter whatever their start: the reservation an owner job
// belongs to, and the bookings on a node that went down. These tests fail if either is forgotten.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CYCLE_HORIZON_MS } from "../../../src/services/scheduling/scheduling-cycle.ts";
import { runTick } from "../../../src/services/scheduling/tick.ts";
import { type Harness, HOUR, startHarness, T0 } from "../../support/api-harness.ts";
import { BACKENDS } from "../../support/database.ts";
import { recordingExecutor } from "../../support/recording-executor.ts";

const iso = (t: number) => new Date(t).toISOString();
const DAY = 24 * HOUR;

describe.each(BACKENDS)("the cycle's horizon on %s", (backend) => {
  let h: Harness;
  let vision: string;
  beforeAll(async () => {
    h = await startHarness(backend);
    vision = await h.team("vision");
  });
  afterAll(async () => h.close());

  const tick = (deps: Parameters<typeof runTick>[0], t: number) => {
    h.setNow(t);
    return runTick(deps, t);
  };

  it("keeps an owner job of a far booking waiting for its window, and starts it then", async () => {
    const { executor, launches } = recordingExecutor();
    const deps = { ctx: h.ctx, noShowSeconds: 0, executor };
    const start = T0 + 10 * DAY;
    expect(start - T0).toBeGreaterThan(CYCLE_HORIZON_MS);
    const r = await h.call("POST", "/api/v1/reservations", {
      token: vision,
      body: {
        pool: "V100",
        nodes: 1,
        gpusPerNode: 4,
        priority: "high",
        start: iso(start),
        end: iso(start + 2 * HOUR),
      },
    });
    expect(r.status).toBe(201);
    const job = await h.call("POST", "/api/v1/jobs", {
      token: vision,
      body: {
        kind: "external",
        pool: "V100",
        gpus: 4,
        reservation: r.body.id,
        spec: { image: "busybox:1.36" },
      },
    });
    expect(job.status).toBe(201);

    const first = await tick(deps, T0);
    expect(launches).toEqual([]);
    // The next wake comes before the booking could matter, never later than half the horizon.
    expect(first.nextWakeAt).not.toBeNull();
    expect(first.nextWakeAt!).toBeLessThanOrEqual(T0 + CYCLE_HORIZON_MS / 2);

    await tick(deps, start);
    expect(launches.map((l) => l.job)).toEqual([job.body.id]);
    expect(launches[0]!.placement).toEqual(r.body.placement);
  });

  it("re-places a far booking as soon as its node goes down", async () => {
    const { executor } = recordingExecutor();
    const deps = { ctx: h.ctx, noShowSeconds: 0, executor };
    const start = T0 + 20 * DAY;
    const r = await h.call("POST", "/api/v1/reservations", {
      token: vision,
      body: {
        pool: "V100",
        nodes: 1,
        gpusPerNode: 2,
        priority: "normal",
        start: iso(start),
        end: iso(start + HOUR),
      },
    });
    expect(r.status).toBe(201);
    const node = r.body.placement[0].node as string;
    await h.ctx.db.updateTable("nodes").set({ up: false }).where("name", "=", node).execute();

    await tick(deps, T0 + HOUR);
    const after = await h.call("GET", `/api/v1/reservations/${r.body.id}`);
    expect(after.body.state).toBe("confirmed");
    expect(after.body.placement).toHaveLength(1);
    expect(after.body.placement[0].node).not.toBe(node);
    await h.ctx.db.updateTable("nodes").set({ up: true }).where("name", "=", node).execute();
  });
});
