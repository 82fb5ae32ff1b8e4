import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type SimulateOutput, simulateWorkload } from "../../../src/simulator/simulate.ts";
import { at, cluster, job, reservation, T0 } from "./builders.ts";
import { checkRun } from "./invariant-checker.ts";
import { crowdedWorkloadArb, workloadArb } from "./workload-arbitrary.ts";

const RUNS = Number(process.env.BERTH_PROPERTY_RUNS ?? 60);
const HOUR = 3600;
const admits = (out: SimulateOutput) =>
  out.events
    .filter((e) => e.type === "admit")
    .map((e) => [e.job, e.t, e.reservation ?? null, e.lentFrom ?? []]);
const of = (out: SimulateOutput, ...types: string[]) => out.events.filter((e) => types.includes(e.type));

/** One 4-GPU node: a low job runs, a high one arrives; then a reservation for the afternoon. */
const CONTENDED = {
  cluster: cluster(1),
  reservations: [reservation({ start: at(3 * HOUR), end: at(5 * HOUR) })],
  jobs: [
    job({ id: "a-low", priority: "low", duration: 14_400 }),
    job({ id: "b-high", priority: "high", submitAt: at(600), duration: 600 }),
    job({ id: "own", reservation: "r", submitAt: at(1800), duration: 1800 }),
  ],
};

describe("each policy's defining behaviour (docs/rules.md §3)", () => {
  it("berth: preempts for priority, lends the reservation's idle slots and reclaims them on time", () => {
    const out = simulateWorkload(CONTENDED, "berth");
    expect(of(out, "preempt").map((e) => [e.job, e.reason, e.by])).toEqual([
      ["a-low", "priority", "b-high"],
      ["a-low", "reclaim", "r"],
    ]);
    expect(admits(out).find(([j]) => j === "own")).toEqual(["own", at(3 * 3600), "r", []]);
    expect(out.metrics.reservedOnTime).toBe(1);
  });

  it("fifo: jobs start in submission order whatever their priority, nothing is preempted, no booking", () => {
    const out = simulateWorkload(CONTENDED, "fifo");
    expect(admits(out).map(([j]) => j)).toEqual(["a-low", "b-high", "own"]);
    expect(of(out, "preempt", "book", "displace")).toEqual([]);
    expect(out.metrics).toMatchObject({ preemptions: 0, reservedOnTime: null });
  });

  it("priority: preempts strictly lower priority and runs a reservation's job as ordinary work", () => {
    const out = simulateWorkload(CONTENDED, "priority");
    expect(of(out, "preempt").map((e) => [e.job, e.reason, e.by])).toEqual([
      ["a-low", "priority", "b-high"],
      ["a-low", "priority", "own"],
    ]);
    expect(of(out, "book")).toEqual([]);
    // `own` is ordinary normal work: it starts when submitted, not at its reservation's window.
    const own = admits(out).find(([j]) => j === "own")!;
    expect(own[2]).toBeNull();
    expect(Date.parse(own[1] as string)).toBeLessThan(T0 + 3 * 3600_000);
    expect(out.metrics.reservedOnTime).toBeNull();
  });

  it("reserve-only: books as berth does but never lends the reserved node, so nothing is reclaimed", () => {
    const out = simulateWorkload(CONTENDED, "reserve-only");
    expect(of(out, "book")).toEqual(of(simulateWorkload(CONTENDED, "berth"), "book"));
    // The node is reserved from 3 h to 5 h: opportunistic work keeps off it until the window is over.
    expect(admits(out).filter(([, t]) => Date.parse(t as string) < T0 + 5 * 3600_000)).toEqual([
      ["own", at(3 * 3600), "r", []],
    ]);
    expect(of(out, "preempt")).toEqual([]);
  });

  it("reserve-only: opportunistic work still runs on unreserved nodes", () => {
    const out = simulateWorkload({ ...CONTENDED, cluster: cluster(2) }, "reserve-only");
    const placed = of(out, "admit").filter((e) => e.job !== "own");
    expect(placed.length).toBeGreaterThan(0);
    for (const e of placed) expect(e.placement!.map((p) => p.node)).toEqual(["v100-1"]);
  });
});

describe("random workloads under every policy", () => {
  const arbs = [
    ["small", workloadArb, RUNS],
    ["crowded", crowdedWorkloadArb, Math.ceil(RUNS / 3)],
  ] as const;
  for (const [name, arb, runs] of arbs) {
    it(`keep the invariants and each policy's rules (${name} workloads)`, () => {
      fc.assert(
        fc.property(arb, (w) => {
          const berth = simulateWorkload(w, "berth");
          const fifo = simulateWorkload(w, "fifo");
          const priority = simulateWorkload(w, "priority");
          const reserveOnly = simulateWorkload(w, "reserve-only");
          for (const out of [berth, fifo, priority, reserveOnly]) expect(checkRun(w, out.events)).toEqual([]);
          // fifo never preempts, and neither fifo nor priority books or runs on a reservation.
          expect(of(fifo, "preempt")).toEqual([]);
          for (const out of [fifo, priority]) {
            expect(of(out, "book", "replace", "displace")).toEqual([]);
            expect(of(out, "admit").filter((e) => e.reservation || e.lentFrom)).toEqual([]);
          }
          // reserve-only books (and displaces for a booking) exactly as berth does, and never lends a
          // reserved slot. Compared while both runs last (a run ends with its last job), node losses
          // left out (a reservation lost with a node depends on whether the run still went on).
          const end = (out: SimulateOutput) => out.events.at(-1)?.t ?? "";
          const until = [end(berth), end(reserveOnly)].sort()[0]!;
          const slots = (out: SimulateOutput) =>
            of(out, "book", "displace", "refuse").filter(
              (e) => e.reservation !== undefined && e.reason !== "node-lost" && e.t <= until,
            );
          expect(slots(reserveOnly)).toEqual(slots(berth));
          expect(of(reserveOnly, "admit").filter((e) => e.lentFrom)).toEqual([]);
        }),
        { numRuns: runs },
      );
    });
  }
});

describe("instants where only jobs finished, nobody waits and no wake-up is due", () => {
  it("are skipped without changing the output of any policy", () => {
    fc.assert(
      fc.property(
        crowdedWorkloadArb,
        fc.constantFrom("berth", "fifo", "priority", "reserve-only"),
        (w, p) => {
          expect(simulateWorkload(w, p)).toEqual(simulateWorkload(w, p, { everyInstant: true }));
        },
      ),
      { numRuns: RUNS },
    );
  });
});
