import { describe, expect, it } from "vitest";
import { type BookingDecision, decideBooking } from "../../../src/core/booking.ts";
import { DEFAULT_BOOKING_RULES } from "../../../src/core/booking-rules.ts";
import type { TeamQuota } from "../../../src/core/quota.ts";
import type { Reservation } from "../../../src/core/types.ts";
import { CLUSTER, DAY, HOUR, MIN, NOW, request, reservation } from "./builders.ts";

const ALL8 = [0, 1, 2, 3, 4, 5, 6, 7];

function decide(
  req: Parameters<typeof request>[0],
  reservations: Reservation[] = [],
  quota: TeamQuota | null = null,
  bypassQuota = false,
): BookingDecision {
  return decideBooking({
    inventory: CLUSTER,
    reservations,
    request: request(req),
    now: NOW,
    rules: DEFAULT_BOOKING_RULES,
    quota,
    bypassQuota,
  });
}

describe("a booking request that breaks a rule is refused with the field at fault", () => {
  const cases: { name: string; req: Parameters<typeof request>[0]; fields: string[] }[] = [
    { name: "a start off the 15-minute grid", req: { start: NOW + 4 * HOUR + 5 * MIN }, fields: ["start"] },
    { name: "an end off the grid", req: { end: NOW + 8 * HOUR + MIN }, fields: ["end"] },
    { name: "an end before the start", req: { end: NOW + 3 * HOUR }, fields: ["end"] },
    { name: "an end equal to the start", req: { end: NOW + 4 * HOUR }, fields: ["end"] },
    {
      name: "a booking longer than 14 days",
      req: { end: NOW + 4 * HOUR + 14 * DAY + 15 * MIN },
      fields: ["end"],
    },
    {
      name: "a start beyond the 90-day horizon",
      req: { start: NOW + 91 * DAY, end: NOW + 92 * DAY },
      fields: ["start"],
    },
    { name: "a start in the past", req: { start: NOW - HOUR }, fields: ["start"] },
    { name: "an unknown pool", req: { pool: "h100" }, fields: ["pool"] },
    { name: "zero nodes", req: { nodes: 0 }, fields: ["nodes"] },
    { name: "a fractional GPU count", req: { gpusPerNode: 1.5 }, fields: ["gpusPerNode"] },
    { name: "more GPUs per node than a node has", req: { gpusPerNode: 9 }, fields: ["gpusPerNode"] },
    {
      name: "several nodes that are not whole nodes",
      req: { nodes: 2, gpusPerNode: 4 },
      fields: ["gpusPerNode"],
    },
    { name: "more nodes than the pool has", req: { nodes: 3, gpusPerNode: 8 }, fields: ["nodes"] },
    { name: "an unknown priority", req: { priority: "urgent" as never }, fields: ["priority"] },
    { name: "several faults at once", req: { pool: "h100", end: NOW + MIN }, fields: ["pool", "end"] },
  ];
  for (const c of cases) {
    it(`refuses ${c.name}`, () => {
      const d = decide(c.req);
      expect(d.ok).toBe(false);
      if (d.ok || d.code !== "invalid") throw new Error(`expected invalid, got ${JSON.stringify(d)}`);
      expect(d.errors.map((e) => e.field)).toEqual(c.fields);
    });
  }

  it("accepts a start inside the current grid step as now", () => {
    const d = decide({ start: NOW + 7 * MIN, end: NOW + 2 * HOUR });
    expect(d.ok).toBe(true);
  });

  it("accepts exactly 15 minutes and exactly 14 days", () => {
    expect(decide({ end: NOW + 4 * HOUR + 15 * MIN }).ok).toBe(true);
    expect(decide({ end: NOW + 4 * HOUR + 14 * DAY }).ok).toBe(true);
  });
});

describe("placement is best-fit and keeps whole nodes free", () => {
  it("puts a small booking on the node that is already partly held", () => {
    const held = reservation({
      id: "r1",
      gpusPerNode: 4,
      placement: [{ node: "v100-1", gpus: [0, 1, 2, 3] }],
    });
    const d = decide({ gpusPerNode: 2 }, [held]);
    expect(d).toEqual({
      ok: true,
      placement: [{ node: "v100-1", gpus: [4, 5] }],
      displaced: [],
      quotaLeft: { critical: null, high: null, normal: null, low: null, "best-effort": null },
    });
  });

  it("gives whole nodes to a multi-node booking", () => {
    const d = decide({ nodes: 2, gpusPerNode: 8 });
    expect(d.ok && d.placement).toEqual([
      { node: "v100-0", gpus: ALL8 },
      { node: "v100-1", gpus: ALL8 },
    ]);
  });

  it("lets back-to-back windows share slots (windows are half-open)", () => {
    const before = reservation({ id: "r1", start: NOW, end: NOW + 4 * HOUR, state: "active" });
    const other = reservation({
      id: "r2",
      placement: [{ node: "v100-1", gpus: ALL8 }],
      start: NOW,
      end: NOW + 4 * HOUR,
    });
    const d = decide({ gpusPerNode: 8 }, [before, other]);
    expect(d.ok && d.placement).toEqual([{ node: "v100-0", gpus: ALL8 }]);
  });

  it("ignores reservations that no longer hold slots", () => {
    const gone = ["cancelled", "displaced", "released", "completed"].map((state, i) =>
      reservation({ id: `g${i}`, state: state as Reservation["state"] }),
    );
    const d = decide({ gpusPerNode: 8 }, gone);
    expect(d.ok && d.placement).toEqual([{ node: "v100-0", gpus: ALL8 }]);
  });

  it("never places on a node that is down", () => {
    const inv = {
      ...CLUSTER,
      nodes: CLUSTER.nodes.map((n) => (n.name === "v100-0" ? { ...n, up: false } : n)),
    };
    const d = decideBooking({
      inventory: inv,
      reservations: [],
      request: request({ gpusPerNode: 8 }),
      now: NOW,
      rules: DEFAULT_BOOKING_RULES,
      quota: null,
    });
    expect(d.ok && d.placement).toEqual([{ node: "v100-1", gpus: ALL8 }]);
  });
});

/** Both v100 nodes held, by r-low (normal, v100-0) and r-other (on v100-1). */
function fullV100(over0: Partial<Reservation> = {}, over1: Partial<Reservation> = {}): Reservation[] {
  return [
    reservation({ id: "r-low", priority: "low", ...over0 }),
    reservation({ id: "r-other", priority: "low", placement: [{ node: "v100-1", gpus: ALL8 }], ...over1 }),
  ];
}

describe("displacement takes only strictly lower, future, unfrozen bookings", () => {
  const cases: {
    name: string;
    req: Parameters<typeof request>[0];
    held: Reservation[];
    expected: { code: string; displaced?: string[] };
  }[] = [
    {
      name: "a higher priority displaces a lower one",
      req: { priority: "high", gpusPerNode: 8 },
      held: fullV100({ bookedAt: NOW - 2 * DAY }),
      expected: { code: "ok", displaced: ["r-other"] },
    },
    {
      name: "equal priority never displaces",
      req: { priority: "low", gpusPerNode: 8 },
      held: fullV100(),
      expected: { code: "slot-taken" },
    },
    {
      name: "a started reservation is never displaced",
      req: { priority: "critical", gpusPerNode: 8, start: NOW, end: NOW + 2 * HOUR },
      held: fullV100({ start: NOW - HOUR, state: "active" }, { start: NOW - HOUR, state: "active" }),
      expected: { code: "slot-taken" },
    },
    {
      name: "a reservation inside the 2 h freeze is not displaced",
      req: { priority: "high", gpusPerNode: 8, start: NOW + HOUR, end: NOW + 3 * HOUR },
      held: fullV100({ start: NOW + HOUR }, { start: NOW + HOUR }),
      expected: { code: "displacement-frozen" },
    },
    {
      name: "the lowest priority victim is chosen",
      req: { priority: "high", gpusPerNode: 8 },
      held: fullV100({ priority: "normal" }, { priority: "best-effort" }),
      expected: { code: "ok", displaced: ["r-other"] },
    },
    {
      name: "among equal priority, the most recently booked is chosen",
      req: { priority: "high", gpusPerNode: 8 },
      held: fullV100({ bookedAt: NOW - HOUR }, { bookedAt: NOW - 2 * HOUR }),
      expected: { code: "ok", displaced: ["r-low"] },
    },
    {
      name: "among otherwise equal victims, the smaller id is chosen",
      req: { priority: "high", gpusPerNode: 8 },
      held: fullV100(),
      expected: { code: "ok", displaced: ["r-low"] },
    },
    {
      name: "fewest victims wins over lower priority",
      req: { priority: "high", gpusPerNode: 8 },
      held: [
        reservation({
          id: "a",
          priority: "best-effort",
          gpusPerNode: 4,
          placement: [{ node: "v100-0", gpus: [0, 1, 2, 3] }],
        }),
        reservation({
          id: "b",
          priority: "best-effort",
          gpusPerNode: 4,
          placement: [{ node: "v100-0", gpus: [4, 5, 6, 7] }],
        }),
        reservation({ id: "c", priority: "normal", placement: [{ node: "v100-1", gpus: ALL8 }] }),
      ],
      expected: { code: "ok", displaced: ["c"] },
    },
    {
      name: "no more victims than needed",
      req: { priority: "high", gpusPerNode: 4 },
      held: [
        reservation({ id: "a", gpusPerNode: 4, placement: [{ node: "v100-0", gpus: [0, 1, 2, 3] }] }),
        reservation({ id: "b", gpusPerNode: 4, placement: [{ node: "v100-0", gpus: [4, 5, 6, 7] }] }),
        reservation({ id: "c", placement: [{ node: "v100-1", gpus: ALL8 }] }),
      ],
      expected: { code: "ok", displaced: ["a"] },
    },
  ];
  for (const c of cases) {
    it(`${c.name}`, () => {
      const d = decide(c.req, c.held);
      if (c.expected.code === "ok") {
        expect(d.ok).toBe(true);
        if (d.ok) expect(d.displaced.map((v) => v.id)).toEqual(c.expected.displaced);
      } else {
        expect(d.ok ? "ok" : d.code).toBe(c.expected.code);
      }
    });
  }

  it("names the holders of frozen slots", () => {
    const d = decide(
      { priority: "high", gpusPerNode: 8, start: NOW + HOUR, end: NOW + 3 * HOUR },
      fullV100({ start: NOW + HOUR, team: "nlp" }, { start: NOW + HOUR, team: "nlp" }),
    );
    expect(d).toMatchObject({
      ok: false,
      code: "displacement-frozen",
      holders: [{ reservation: "r-low", team: "nlp", priority: "low" }],
    });
  });
});

describe("a refusal offers the nearest feasible alternatives", () => {
  it("suggests the earliest later window, a smaller shape and a pool of higher compute capability", () => {
    const held = [
      reservation({ id: "r1", gpusPerNode: 6, placement: [{ node: "v100-0", gpus: [0, 1, 2, 3, 4, 5] }] }),
      reservation({
        id: "r2",
        end: NOW + 10 * HOUR,
        gpusPerNode: 6,
        placement: [{ node: "v100-1", gpus: [0, 1, 2, 3, 4, 5] }],
      }),
    ];
    const d = decide({ gpusPerNode: 8, priority: "normal" }, held);
    expect(d).toEqual({
      ok: false,
      code: "slot-taken",
      detail: expect.any(String),
      holders: [
        { reservation: "r1", team: "vision", priority: "normal" },
        { reservation: "r2", team: "vision", priority: "normal" },
      ],
      suggestions: [
        {
          pool: "v100",
          nodes: 1,
          gpusPerNode: 8,
          start: NOW + 8 * HOUR,
          end: NOW + 12 * HOUR,
          kind: "later",
        },
        {
          pool: "v100",
          nodes: 1,
          gpusPerNode: 2,
          start: NOW + 4 * HOUR,
          end: NOW + 8 * HOUR,
          kind: "smaller",
        },
        {
          pool: "a100",
          nodes: 1,
          gpusPerNode: 8,
          start: NOW + 4 * HOUR,
          end: NOW + 8 * HOUR,
          kind: "other-pool",
        },
      ],
    });
  });

  it("never suggests a pool of lower compute capability", () => {
    const held = fullV100();
    const d = decide({ gpusPerNode: 4, priority: "low" }, held);
    if (d.ok || d.code !== "slot-taken") throw new Error("expected slot-taken");
    expect(d.suggestions.map((s) => s.pool)).not.toContain("p100");
  });
});

describe("quotas bound GPU-hours per class per ISO week and concurrent GPUs", () => {
  it("refuses a booking beyond the weekly GPU-hours of its class, with the figures", () => {
    const held = [
      reservation({
        id: "mine",
        team: "speech",
        gpusPerNode: 4,
        placement: [{ node: "v100-0", gpus: [0, 1, 2, 3] }],
      }),
    ];
    // 4 GPUs × 4 h = 16 GPU-hours held, 16 more asked, 20 allowed.
    const d = decide({ gpusPerNode: 4, start: NOW + 10 * HOUR, end: NOW + 14 * HOUR }, held, {
      gpuHoursPerWeek: { normal: 20 },
    });
    expect(d).toMatchObject({
      ok: false,
      code: "quota-exceeded",
      limit: "gpu-hours-per-week",
      priority: "normal",
      limitGpuHours: 20,
      usedGpuHours: 16,
      requestedGpuHours: 16,
    });
  });

  it("counts a booking across two weeks in each week for its own part", () => {
    // Sunday 2026-12-06 20:00 to Monday 2026-12-07 04:00: 4 h in each week × 2 GPUs = 8 GPU-hours per week.
    const start = Date.parse("2026-12-06T20:00:00.000Z");
    const end = Date.parse("2026-12-07T04:00:00.000Z");
    expect(decide({ gpusPerNode: 2, start, end }, [], { gpuHoursPerWeek: { normal: 8 } }).ok).toBe(true);
    expect(decide({ gpusPerNode: 2, start, end }, [], { gpuHoursPerWeek: { normal: 7.9 } }).ok).toBe(false);
  });

  it("leaves other classes and other teams out of the count", () => {
    const held = [
      reservation({ id: "x", team: "speech", priority: "high" }),
      reservation({ id: "y", team: "vision", placement: [{ node: "v100-1", gpus: ALL8 }] }),
    ];
    const d = decide({ gpusPerNode: 4, start: NOW + 10 * HOUR, end: NOW + 14 * HOUR }, held, {
      gpuHoursPerWeek: { normal: 16, high: 100 },
    });
    expect(d.ok && d.quotaLeft).toEqual({
      critical: null,
      high: 68,
      normal: 0,
      low: null,
      "best-effort": null,
    });
  });

  it("refuses critical when the class has 0 GPU-hours, unless an admin books", () => {
    const quota = { gpuHoursPerWeek: { critical: 0 } };
    expect(decide({ priority: "critical" }, [], quota)).toMatchObject({ ok: false, code: "quota-exceeded" });
    expect(decide({ priority: "critical" }, [], quota, true)).toMatchObject({
      ok: true,
      quotaLeft: { critical: -16 },
    });
  });

  it("refuses a booking that would take the team over its concurrent-GPU cap", () => {
    const held = [
      reservation({
        id: "mine",
        team: "speech",
        gpusPerNode: 6,
        placement: [{ node: "v100-0", gpus: [0, 1, 2, 3, 4, 5] }],
      }),
    ];
    const quota = { gpuHoursPerWeek: {}, maxGpus: 8 };
    expect(decide({ gpusPerNode: 4 }, held, quota)).toMatchObject({
      ok: false,
      code: "quota-exceeded",
      limit: "concurrent-gpus",
      limitGpus: 8,
      usedGpus: 6,
      requestedGpus: 4,
    });
    expect(decide({ gpusPerNode: 2 }, held, quota).ok).toBe(true);
    expect(decide({ gpusPerNode: 4, start: NOW + 8 * HOUR, end: NOW + 9 * HOUR }, held, quota).ok).toBe(true);
  });
});

describe("a decision is pure", () => {
  it("gives the same answer twice and changes nothing it was given", () => {
    const held = fullV100();
    const frozen = JSON.stringify(held);
    const a = decide({ priority: "high", gpusPerNode: 8 }, held);
    const b = decide({ priority: "high", gpusPerNode: 8 }, held);
    expect(a).toEqual(b);
    expect(JSON.stringify(held)).toBe(frozen);
  });

  it("does not collide with its own earlier version (re-deciding a booking)", () => {
    const self = reservation({ id: "new", team: "speech", gpusPerNode: 8 });
    const other = reservation({ id: "o", placement: [{ node: "v100-1", gpus: ALL8 }] });
    const d = decide({ gpusPerNode: 8 }, [self, other]);
    expect(d.ok && d.placement).toEqual([{ node: "v100-0", gpus: ALL8 }]);
  });
});
