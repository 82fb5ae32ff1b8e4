import { describe, expect, it } from "vitest";
import { plan } from "../../../src/core/plan.ts";
import type { Decision } from "../../../src/core/snapshot.ts";
import { CLUSTER, cluster, HOUR, job, MIN, NOW, pool, reservation, running, snapshot } from "./builders.ts";

const ALL8 = [0, 1, 2, 3, 4, 5, 6, 7];
const kinds = (ds: Decision[], kind: Decision["kind"]) => ds.filter((d) => d.kind === kind);

describe("reservations follow the clock", () => {
  it("become active at their start and completed at their end, and the cycle wakes for both", () => {
    const a = reservation({ id: "a", start: NOW, end: NOW + HOUR });
    const b = reservation({ id: "b", start: NOW - 2 * HOUR, end: NOW, state: "active" });
    const c = reservation({
      id: "c",
      start: NOW + 2 * HOUR,
      end: NOW + 3 * HOUR,
      placement: [{ node: "v100-1", gpus: ALL8 }],
    });
    const r = plan(snapshot([a, b, c], []), NOW);
    expect(r.decisions).toEqual([
      { kind: "reservation-state", reservation: "a", state: "active" },
      { kind: "reservation-state", reservation: "b", state: "completed" },
    ]);
    expect(r.nextWakeAt).toBe(NOW + HOUR);
  });
});

describe("a reservation's jobs run on its slots at their due time", () => {
  it("admits a queued job at the reservation's start, on its slots", () => {
    const r = reservation({ id: "r", start: NOW, end: NOW + 4 * HOUR, state: "active" });
    const out = plan(snapshot([r], [job({ id: "j", gpus: 4, reservation: "r" })]), NOW);
    expect(out.decisions).toEqual([
      {
        kind: "admit",
        job: "j",
        placement: [{ node: "v100-0", gpus: [0, 1, 2, 3] }],
        reservation: "r",
        lentFrom: [],
      },
    ]);
  });

  it("signals borrowers one grace period ahead when the owner's job is already waiting (lead-time reclaim)", () => {
    const r = reservation({ id: "r", start: NOW + HOUR, end: NOW + 4 * HOUR });
    const borrower = running("b", "v100-0", ALL8, { priority: "critical", graceMs: 5 * MIN });
    const owner = job({ id: "j", gpus: 8, reservation: "r" });
    const early = plan(snapshot([r], [borrower, owner]), NOW);
    expect(kinds(early.decisions, "signal")).toEqual([]);
    expect(early.nextWakeAt).toBe(NOW + HOUR - 5 * MIN);
    const onTime = plan(snapshot([r], [borrower, owner]), NOW + HOUR - 5 * MIN);
    expect(onTime.decisions).toEqual([
      { kind: "signal", job: "b", reason: "reclaim", stopAt: NOW + HOUR, by: "r" },
    ]);
  });

  it("reclaims borrowers at once when the owner's job arrives during the window, then admits it", () => {
    const r = reservation({ id: "r", start: NOW - HOUR, end: NOW + 4 * HOUR, state: "active" });
    const borrower = running("b", "v100-0", [0, 1, 2, 3], { graceMs: 30_000 });
    const idle = running("idle-user", "v100-1", ALL8);
    const owner = job({ id: "j", gpus: 6, reservation: "r", submittedAt: NOW });
    const first = plan(snapshot([r], [borrower, idle, owner]), NOW);
    expect(first.decisions).toEqual([
      { kind: "signal", job: "b", reason: "reclaim", stopAt: NOW + 30_000, by: "r" },
    ]);
    const after = plan(snapshot([r], [idle, owner]), NOW + 30_000);
    expect(kinds(after.decisions, "admit")).toEqual([
      {
        kind: "admit",
        job: "j",
        placement: [{ node: "v100-0", gpus: [0, 1, 2, 3, 4, 5] }],
        reservation: "r",
        lentFrom: [],
      },
    ]);
  });

  it("reclaims no more borrowers than the owner's job needs", () => {
    const r = reservation({ id: "r", start: NOW, end: NOW + 4 * HOUR, state: "active" });
    const b1 = running("b1", "v100-0", [0, 1, 2, 3]);
    const b2 = running("b2", "v100-0", [4, 5]);
    const out = plan(snapshot([r], [b1, b2, job({ id: "j", gpus: 2, reservation: "r" })]), NOW);
    expect(out.decisions).toEqual([
      {
        kind: "admit",
        job: "j",
        placement: [{ node: "v100-0", gpus: [6, 7] }],
        reservation: "r",
        lentFrom: [],
      },
    ]);
    const bigger = plan(snapshot([r], [b1, b2, job({ id: "j", gpus: 4, reservation: "r" })]), NOW);
    expect(kinds(bigger.decisions, "signal").map((d) => d.kind === "signal" && d.job)).toEqual(["b2"]);
  });

  it("makes a job wait while the reservation's own jobs fill it", () => {
    const r = reservation({ id: "r", start: NOW - HOUR, end: NOW + 4 * HOUR, state: "active" });
    const own = running("own", "v100-0", ALL8, { reservation: "r", runsOn: "r" });
    const out = plan(snapshot([r], [own, job({ id: "j", gpus: 1, reservation: "r" })]), NOW);
    expect(out.decisions).toEqual([]);
  });

  it("refuses a job larger than its reservation", () => {
    const r = reservation({
      id: "r",
      start: NOW,
      end: NOW + HOUR,
      state: "active",
      gpusPerNode: 4,
      placement: [{ node: "v100-0", gpus: [0, 1, 2, 3] }],
    });
    const out = plan(snapshot([r], [job({ id: "j", gpus: 8, reservation: "r" })]), NOW);
    expect(out.decisions).toEqual([
      { kind: "refuse-job", job: "j", reason: expect.stringContaining("larger than reservation r") },
    ]);
  });

  it("signals the owner's jobs one grace period before the end and stops them at the end", () => {
    const r = reservation({ id: "r", start: NOW - HOUR, end: NOW + HOUR, state: "active" });
    const own = running("own", "v100-0", ALL8, { reservation: "r", runsOn: "r", graceMs: 10 * MIN });
    expect(plan(snapshot([r], [own]), NOW).nextWakeAt).toBe(NOW + 50 * MIN);
    expect(plan(snapshot([r], [own]), NOW + 50 * MIN).decisions).toEqual([
      { kind: "signal", job: "own", reason: "window-end", stopAt: NOW + HOUR, by: "r" },
    ]);
  });

  it("tells a job that starts inside the window's last grace period at once", () => {
    const r = reservation({ id: "r", start: NOW - HOUR, end: NOW + MIN, state: "active" });
    const out = plan(snapshot([r], [job({ id: "j", gpus: 8, reservation: "r", graceMs: 5 * MIN })]), NOW);
    expect(out.decisions).toEqual([
      {
        kind: "admit",
        job: "j",
        placement: [{ node: "v100-0", gpus: ALL8 }],
        reservation: "r",
        lentFrom: [],
      },
      { kind: "signal", job: "j", reason: "window-end", stopAt: NOW + MIN, by: "r" },
    ]);
  });

  it("wakes a grace period before the end of the window of a job it just started", () => {
    const r = reservation({ id: "r", start: NOW - HOUR, end: NOW + HOUR, state: "active" });
    const out = plan(snapshot([r], [job({ id: "j", gpus: 8, reservation: "r", graceMs: 5 * MIN })]), NOW);
    expect(out.nextWakeAt).toBe(NOW + HOUR - 5 * MIN);
  });

  it("treats the jobs of a displaced or ended reservation as opportunistic work", () => {
    const gone = reservation({ id: "r", state: "displaced" });
    const out = plan(snapshot([gone], [job({ id: "j", gpus: 8, reservation: "r" })]), NOW);
    expect(out.decisions).toEqual([
      {
        kind: "admit",
        job: "j",
        placement: [{ node: "v100-0", gpus: ALL8 }],
        reservation: null,
        lentFrom: [],
      },
    ]);
  });
});

describe("the opportunistic queue", () => {
  const cases: { name: string; jobs: ReturnType<typeof job>[]; admitted: string[] }[] = [
    {
      name: "admits higher priority first",
      jobs: [
        job({ id: "a", gpus: 8, priority: "low" }),
        job({ id: "b", gpus: 8, priority: "high", submittedAt: NOW }),
      ],
      admitted: ["b", "a"],
    },
    {
      name: "within a class, prefers the team with fewer GPUs running",
      jobs: [
        running("busy", "a100-0", [0, 1, 2, 3], { team: "nlp", pool: "a100" }),
        job({ id: "a", gpus: 8, team: "nlp", submittedAt: NOW - 2 * HOUR }),
        job({ id: "b", gpus: 8, team: "speech" }),
        job({ id: "c", gpus: 8, team: "speech" }),
      ],
      admitted: ["b", "a"],
    },
    {
      name: "counts admissions of this cycle when choosing the team",
      jobs: [
        job({ id: "a1", gpus: 4, team: "nlp", submittedAt: NOW - 3 * HOUR }),
        job({ id: "a2", gpus: 4, team: "nlp", submittedAt: NOW - 3 * HOUR }),
        job({ id: "b1", gpus: 4, team: "speech" }),
      ],
      admitted: ["a1", "b1", "a2"],
    },
    {
      name: "then earlier submission, then id",
      jobs: [
        job({ id: "b", gpus: 8 }),
        job({ id: "a", gpus: 8 }),
        job({ id: "c", gpus: 8, submittedAt: NOW - 2 * HOUR }),
      ],
      admitted: ["c", "a"],
    },
    {
      name: "skips a job that does not fit and lets later ones start (backfill)",
      jobs: [
        running("r0", "v100-0", [0, 1, 2, 3, 4, 5], { priority: "critical" }),
        job({ id: "big", gpus: 16, priority: "high" }),
        job({ id: "small", gpus: 2 }),
        job({ id: "mid", gpus: 8, submittedAt: NOW }),
      ],
      admitted: ["small", "mid"],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const out = plan(snapshot([], c.jobs), NOW);
      expect(kinds(out.decisions, "admit").map((d) => d.kind === "admit" && d.job)).toEqual(c.admitted);
    });
  }

  it("places best-fit and keeps whole nodes free", () => {
    const out = plan(snapshot([], [running("x", "v100-1", [0, 1, 2, 3, 4]), job({ id: "j", gpus: 2 })]), NOW);
    expect(out.decisions).toEqual([
      {
        kind: "admit",
        job: "j",
        placement: [{ node: "v100-1", gpus: [5, 6] }],
        reservation: null,
        lentFrom: [],
      },
    ]);
  });

  it("prefers unreserved GPUs to lent ones, and names the lender when it must borrow", () => {
    const r = reservation({ id: "r", start: NOW + 5 * HOUR, end: NOW + 6 * HOUR });
    const one = plan(snapshot([r], [job({ id: "j", gpus: 8 })]), NOW);
    expect(one.decisions).toEqual([
      {
        kind: "admit",
        job: "j",
        placement: [{ node: "v100-1", gpus: ALL8 }],
        reservation: null,
        lentFrom: [],
      },
    ]);
    const two = plan(snapshot([r], [job({ id: "j", gpus: 16 })]), NOW);
    expect(two.decisions).toEqual([
      {
        kind: "admit",
        job: "j",
        placement: [
          { node: "v100-1", gpus: ALL8 },
          { node: "v100-0", gpus: ALL8 },
        ],
        reservation: null,
        lentFrom: ["r"],
      },
    ]);
  });

  it("refuses a job that can never fit its pool", () => {
    const out = plan(
      snapshot(
        [],
        [job({ id: "odd", gpus: 12 }), job({ id: "huge", gpus: 24 }), job({ id: "nowhere", pool: "h100" })],
      ),
      NOW,
    );
    expect(out.decisions.map((d) => d.kind === "refuse-job" && d.job)).toEqual(["huge", "nowhere", "odd"]);
  });
});

describe("preemption", () => {
  const full = (over: Record<string, Partial<ReturnType<typeof job>>> = {}) => [
    running("v0", "v100-0", [0, 1, 2, 3], { priority: "low", ...over.v0 }),
    running("v1", "v100-0", [4, 5, 6, 7], { priority: "best-effort", ...over.v1 }),
    running("v2", "v100-1", [0, 1, 2, 3, 4, 5, 6, 7], { priority: "low", ...over.v2 }),
  ];
  const victims = (ds: Decision[]) => kinds(ds, "signal").map((d) => d.kind === "signal" && d.job);

  const cases: {
    name: string;
    jobs: ReturnType<typeof job>[];
    victims: string[];
    reservations?: ReturnType<typeof reservation>[];
  }[] = [
    {
      name: "takes the lowest priority first",
      jobs: [...full(), job({ id: "p", gpus: 4, priority: "high" })],
      victims: ["v1"],
    },
    {
      name: "never takes equal priority",
      jobs: [...full(), job({ id: "p", gpus: 4, priority: "low" })],
      victims: ["v1"],
    },
    {
      name: "does nothing for the lowest class",
      jobs: [...full(), job({ id: "p", gpus: 1, priority: "best-effort" })],
      victims: [],
    },
    {
      name: "prefers the victim that loses least work among equals",
      jobs: [
        ...full({
          v1: { priority: "low", workSinceCheckpointMs: 50 * MIN },
          v0: { workSinceCheckpointMs: 5 * MIN },
          v2: { workSinceCheckpointMs: 60 * MIN },
        }),
        job({ id: "p", gpus: 4, priority: "high" }),
      ],
      victims: ["v0"],
    },
    {
      name: "prefers borrowers of reserved slots",
      reservations: [
        reservation({
          id: "r",
          start: NOW + 10 * HOUR,
          end: NOW + 11 * HOUR,
          placement: [{ node: "v100-1", gpus: ALL8 }],
        }),
      ],
      jobs: [...full(), job({ id: "p", gpus: 8, priority: "high" })],
      victims: ["v2"],
    },
    {
      name: "takes fewer victims when all else ties",
      jobs: [...full({ v1: { priority: "low" } }), job({ id: "p", gpus: 8, priority: "high" })],
      victims: ["v2"],
    },
    {
      name: "combines an idle node with a node freed by preemption for a whole-node job",
      jobs: [
        running("v2", "v100-1", ALL8, { priority: "low" }),
        job({ id: "p", gpus: 16, priority: "high" }),
      ],
      victims: ["v2"],
    },
    {
      name: "never preempts a job running on its own reservation",
      reservations: [reservation({ id: "r", start: NOW - HOUR, end: NOW + HOUR, state: "active" })],
      jobs: [
        running("own", "v100-0", ALL8, { priority: "best-effort", reservation: "r", runsOn: "r" }),
        running("v2", "v100-1", ALL8, { priority: "critical" }),
        job({ id: "p", gpus: 8, priority: "critical" }),
      ],
      victims: [],
    },
    {
      name: "waits for jobs already signalled instead of taking more",
      jobs: [
        running("going", "v100-0", ALL8, {
          priority: "low",
          signal: { reason: "priority", at: NOW - MIN, stopAt: NOW + MIN, by: "x" },
        }),
        running("v2", "v100-1", ALL8, { priority: "low" }),
        job({ id: "p", gpus: 8, priority: "high" }),
      ],
      victims: [],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const out = plan(snapshot(c.reservations ?? [], c.jobs), NOW);
      expect(victims(out.decisions)).toEqual(c.victims);
      for (const d of kinds(out.decisions, "signal"))
        if (d.kind === "signal") expect(d.stopAt).toBe(NOW + 60_000);
    });
  }
});

describe("node loss", () => {
  const inv = (down: number[]) => cluster([{ pool: pool("v100", 8, "7.0"), nodes: 3, down }]);

  it("re-places a reservation off a lost node, displaces one with nowhere to go, and restarts jobs elsewhere", () => {
    const a = reservation({ id: "a", priority: "high", placement: [{ node: "v100-0", gpus: ALL8 }] });
    const b = reservation({ id: "b", priority: "low", placement: [{ node: "v100-1", gpus: ALL8 }] });
    const c = reservation({
      id: "c",
      priority: "normal",
      placement: [{ node: "v100-0", gpus: ALL8 }],
      start: NOW + 5 * HOUR,
    });
    const out = plan(snapshot([a, b, c], [running("x", "v100-0", [0, 1])], inv([0])), NOW);
    expect(out.decisions).toEqual([
      { kind: "replace", reservation: "a", placement: [{ node: "v100-2", gpus: ALL8 }], reason: "node-lost" },
      { kind: "displace", reservation: "c", reason: "node-lost" },
      { kind: "signal", job: "x", reason: "node-lost", stopAt: NOW },
      // Requeued at once and restarted on a healthy node in the same cycle.
      {
        kind: "admit",
        job: "x",
        placement: [{ node: "v100-1", gpus: [0, 1] }],
        reservation: null,
        lentFrom: ["b"],
      },
    ]);
  });

  it("keeps the healthy nodes of a multi-node reservation", () => {
    const a = reservation({
      id: "a",
      nodes: 2,
      placement: [
        { node: "v100-0", gpus: ALL8 },
        { node: "v100-1", gpus: ALL8 },
      ],
    });
    const out = plan(snapshot([a], [], inv([1])), NOW);
    expect(out.decisions).toEqual([
      {
        kind: "replace",
        reservation: "a",
        placement: [
          { node: "v100-0", gpus: ALL8 },
          { node: "v100-2", gpus: ALL8 },
        ],
        reason: "node-lost",
      },
    ]);
  });
});

describe("a node that loses GPUs", () => {
  // v100-0 now reports 4 allocatable GPUs where it had 8: ordinals 4–7 are gone.
  const shrunk = () => {
    const c = cluster([{ pool: pool("v100", 8, "7.0"), nodes: 2 }]);
    return { ...c, nodes: c.nodes.map((n) => (n.name === "v100-0" ? { ...n, gpus: 4 } : n)) };
  };

  it("re-places a reservation holding ordinals above the new count, and stops a job running on them", () => {
    const high = reservation({ id: "a", placement: [{ node: "v100-0", gpus: [4, 5] }], gpusPerNode: 2 });
    const low = reservation({ id: "b", placement: [{ node: "v100-0", gpus: [0, 1] }], gpusPerNode: 2 });
    const out = plan(snapshot([high, low], [running("x", "v100-0", [6])], shrunk()), NOW);
    expect(out.decisions.slice(0, 2)).toEqual([
      {
        kind: "replace",
        reservation: "a",
        placement: [{ node: "v100-0", gpus: [2, 3] }],
        reason: "node-lost",
      },
      { kind: "signal", job: "x", reason: "node-lost", stopAt: NOW },
    ]);
  });
});

describe("a cycle is deterministic", () => {
  it("gives the same decisions whatever the input order", () => {
    const r = reservation({ id: "r", start: NOW, end: NOW + HOUR, state: "active" });
    const jobs = [
      job({ id: "a", gpus: 2, reservation: "r" }),
      job({ id: "b", gpus: 3 }),
      job({ id: "c", gpus: 3, team: "nlp" }),
      running("x", "v100-1", [0, 1, 2], { priority: "low" }),
      job({ id: "d", gpus: 8, priority: "critical" }),
    ];
    const one = plan(snapshot([r], jobs, CLUSTER), NOW);
    const two = plan(
      snapshot([r], [...jobs].reverse(), { ...CLUSTER, nodes: [...CLUSTER.nodes].reverse() }),
      NOW,
    );
    expect(two).toEqual(one);
  });
});

describe("GPUs held by pods Berth does not manage", () => {
  it("count as taken: opportunistic work goes where they are not, and waits when nothing is left", () => {
    const two = cluster([{ pool: pool("v100", 8, "7.0"), nodes: 2 }]);
    const foreignGpus = new Map([
      ["v100-0", 6],
      ["v100-1", 8],
    ]);
    const fits = plan({ ...snapshot([], [job({ id: "j", gpus: 2 })], two), foreignGpus }, NOW);
    expect(fits.decisions).toEqual([
      {
        kind: "admit",
        job: "j",
        placement: [{ node: "v100-0", gpus: [0, 1] }],
        reservation: null,
        lentFrom: [],
      },
    ]);
    const waits = plan({ ...snapshot([], [job({ id: "j", gpus: 3 })], two), foreignGpus }, NOW);
    expect(waits.decisions).toEqual([]);
  });
});
