import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import schema from "../../../schemas/simulate-output.schema.json" with { type: "json" };
import { simulateWorkload } from "../../../src/simulator/simulate.ts";
import { WorkloadError } from "../../../src/simulator/workload.ts";

const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
const T0 = "2026-12-07T00:00:00.000Z";
const at = (s: number) => new Date(Date.parse(T0) + s * 1000).toISOString();
const pool = (nodes: number, gpusPerNode: number) => ({
  name: "v100",
  product: "Tesla-V100",
  computeCapability: "7.0",
  nodes,
  gpusPerNode,
});
const jobOf = (over: Record<string, unknown>) => ({
  team: "vision",
  pool: "v100",
  gpus: 1,
  submitAt: T0,
  duration: 3600,
  priority: "normal",
  reservation: null,
  checkpointEvery: 600,
  ...over,
});

/** One node of 2 GPUs: `a` runs, `b` (high, 2 GPUs) preempts it, `a` resumes from its checkpoint. */
const PREEMPTION = {
  cluster: { pools: [pool(1, 2)] },
  reservations: [],
  jobs: [jobOf({ id: "a" }), jobOf({ id: "b", gpus: 2, priority: "high", submitAt: at(1800) })],
};

const BOOKING = {
  cluster: { pools: [pool(2, 8)] },
  reservations: [
    {
      id: "r-low",
      team: "nlp",
      pool: "v100",
      nodes: 2,
      gpusPerNode: 8,
      start: at(6 * 3600),
      end: at(8 * 3600),
      priority: "low",
      bookedAt: T0,
    },
    {
      id: "r-high",
      team: "vision",
      pool: "v100",
      nodes: 1,
      gpusPerNode: 8,
      start: at(6 * 3600),
      end: at(7 * 3600),
      priority: "high",
      bookedAt: at(900),
    },
    {
      id: "r-late",
      team: "vision",
      pool: "v100",
      nodes: 1,
      gpusPerNode: 8,
      start: at(3600),
      end: at(7 * 3600),
      priority: "critical",
      bookedAt: at(1800),
    },
  ],
  jobs: [
    jobOf({
      id: "own",
      gpus: 8,
      reservation: "r-high",
      priority: "high",
      submitAt: at(3600),
      duration: 1800,
    }),
    jobOf({
      id: "orphan",
      gpus: 8,
      reservation: "r-low",
      priority: "low",
      submitAt: at(3600),
      duration: 600,
    }),
  ],
  quotas: { vision: { critical: 0 } },
};

describe("berth simulate output follows docs/rules.md §3", () => {
  it("matches the JSON Schema in schemas/", () => {
    for (const w of [PREEMPTION, BOOKING]) {
      const out = simulateWorkload(w);
      expect(validate(out), JSON.stringify(validate.errors)).toBe(true);
    }
  });

  it("computes every metric as the README defines it", () => {
    const out = simulateWorkload(PREEMPTION);
    // a: 0–1830 s (preempted at 1800, 30 s grace), resumes from its 1800 s checkpoint at 5430 s, ends 7230 s.
    // b: 1830–5430 s on 2 GPUs. Held 3630 + 7200 = 10830 GPU-s of 2 × 7230.
    expect(out.metrics).toEqual({
      gpuUtilization: Math.round((10830 / 14460) * 1e6) / 1e6,
      goodput: Math.round((10800 / 10830) * 1e6) / 1e6,
      reservedOnTime: null,
      queueDelay: { high: { p50: 30, p95: 30 }, normal: { p50: 0, p95: 0 } },
      preemptions: 1,
      lostGpuHours: Math.round((30 / 3600) * 1e6) / 1e6,
      displaced: 0,
      refusedReservations: 0,
      refusedJobs: 0,
      makespan: 7230,
      deadlineHits: null,
    });
    expect(out.events).toEqual([
      { t: at(0), type: "admit", job: "a", placement: [{ node: "v100-0", gpus: [0] }] },
      { t: at(1830), type: "preempt", job: "a", by: "b", reason: "priority", signalledAt: at(1800) },
      { t: at(1830), type: "admit", job: "b", placement: [{ node: "v100-0", gpus: [0, 1] }] },
      { t: at(5430), type: "finish", job: "b" },
      { t: at(5430), type: "admit", job: "a", placement: [{ node: "v100-0", gpus: [0] }] },
      { t: at(7230), type: "finish", job: "a" },
    ]);
  });

  it("books at bookedAt, displaces lower priority, refuses over quota, and runs orphaned jobs opportunistically", () => {
    const out = simulateWorkload(BOOKING);
    const notable = out.events.filter((e) => e.type !== "admit" && e.type !== "finish");
    expect(notable).toEqual([
      {
        t: T0,
        type: "book",
        reservation: "r-low",
        placement: [
          { node: "v100-0", gpus: [0, 1, 2, 3, 4, 5, 6, 7] },
          { node: "v100-1", gpus: [0, 1, 2, 3, 4, 5, 6, 7] },
        ],
      },
      {
        t: at(900),
        type: "book",
        reservation: "r-high",
        placement: [{ node: "v100-0", gpus: [0, 1, 2, 3, 4, 5, 6, 7] }],
      },
      { t: at(900), type: "displace", reservation: "r-low", by: "r-high" },
      { t: at(1800), type: "refuse", reservation: "r-late", reason: "quota-exceeded" },
    ]);
    const admits = out.events.filter((e) => e.type === "admit");
    expect(admits.map((e) => [e.job, e.t, e.reservation ?? null])).toEqual([
      ["orphan", at(3600), null],
      ["own", at(6 * 3600), "r-high"],
    ]);
    expect(out.metrics).toMatchObject({ displaced: 1, refusedReservations: 1, reservedOnTime: 1 });
  });

  it("lists a reservation booked and displaced in one instant as book, then displace (§3 order)", () => {
    const out = simulateWorkload({
      ...BOOKING,
      reservations: [
        // Same instant: booked in id order, so the low one holds the slots first.
        { ...BOOKING.reservations[0]!, id: "r-a", bookedAt: at(900) },
        { ...BOOKING.reservations[1]!, id: "r-b", nodes: 2, bookedAt: at(900) },
      ],
      // The run lasts while jobs are open: one short job keeps it going past the bookings.
      jobs: [jobOf({ id: "x", submitAt: at(900), duration: 60 })],
    });
    const slots = out.events.filter((e) => e.reservation !== undefined);
    expect(slots.map((e) => [e.t, e.type, e.reservation])).toEqual([
      [at(900), "book", "r-a"],
      [at(900), "book", "r-b"],
      [at(900), "displace", "r-a"],
    ]);
  });

  it("gives null where there is nothing to measure", () => {
    const out = simulateWorkload({ cluster: { pools: [pool(1, 1)] }, jobs: [] });
    expect(out).toEqual({
      policy: "berth",
      events: [],
      metrics: {
        gpuUtilization: null,
        goodput: null,
        reservedOnTime: null,
        queueDelay: {},
        preemptions: 0,
        lostGpuHours: 0,
        displaced: 0,
        refusedReservations: 0,
        refusedJobs: 0,
        makespan: null,
        deadlineHits: null,
      },
    });
  });

  it("counts deadline hits once deadlines exist", () => {
    const out = simulateWorkload({
      cluster: { pools: [pool(1, 1)] },
      jobs: [jobOf({ id: "a", deadline: at(3600) }), jobOf({ id: "b", deadline: at(3600) })],
    });
    expect(out.metrics.deadlineHits).toBe(0.5);
  });
});

describe("a bad workload is refused with the field at fault", () => {
  const cases: { name: string; input: unknown; message: RegExp }[] = [
    { name: "not an object", input: [], message: /^workload: / },
    {
      name: "a job without gpus",
      input: { cluster: { pools: [pool(1, 1)] }, jobs: [{ ...jobOf({ id: "a" }), gpus: undefined }] },
      message: /^jobs\[0\]\.gpus: /,
    },
    {
      name: "a time without a zone",
      input: {
        cluster: { pools: [pool(1, 1)] },
        jobs: [jobOf({ id: "a", submitAt: "2026-12-07T00:00:00" })],
      },
      message: /^jobs\[0\]\.submitAt: /,
    },
    {
      name: "an unknown pool",
      input: { cluster: { pools: [pool(1, 1)] }, jobs: [jobOf({ id: "a", pool: "h100" })] },
      message: /^jobs\[0\]\.pool: unknown pool/,
    },
    {
      name: "an unknown reservation",
      input: { cluster: { pools: [pool(1, 1)] }, jobs: [jobOf({ id: "a", reservation: "nope" })] },
      message: /^jobs\[0\]\.reservation: /,
    },
    {
      name: "duplicate job ids",
      input: { cluster: { pools: [pool(1, 1)] }, jobs: [jobOf({ id: "a" }), jobOf({ id: "a" })] },
      message: /duplicate id "a"/,
    },
    {
      name: "an unknown node",
      input: {
        cluster: { pools: [pool(1, 1)] },
        jobs: [],
        nodeEvents: [{ t: T0, node: "v100-7", type: "down" }],
      },
      message: /^nodeEvents\[0\]\.node: /,
    },
    {
      name: "a bad priority",
      input: { cluster: { pools: [pool(1, 1)] }, jobs: [jobOf({ id: "a", priority: "urgent" })] },
      message: /^jobs\[0\]\.priority: /,
    },
  ];
  for (const c of cases) {
    it(`refuses ${c.name}`, () => {
      expect(() => simulateWorkload(c.input)).toThrow(WorkloadError);
      expect(() => simulateWorkload(c.input)).toThrow(c.message);
    });
  }

  it("refuses an unknown policy", () => {
    expect(() => simulateWorkload(PREEMPTION, "lottery")).toThrow(/unknown policy "lottery"/);
  });
});
