import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { simulateWorkload } from "../../../src/simulator/simulate.ts";
import { checkRun } from "./invariant-checker.ts";
import { crowdedWorkloadArb, workloadArb } from "./workload-arbitrary.ts";

// More runs for a deeper search: BERTH_PROPERTY_RUNS=5000 npx vitest run test/unit/sim
const RUNS = Number(process.env.BERTH_PROPERTY_RUNS ?? 150);

describe("random clusters and workloads through the simulator", () => {
  it("never break the invariants, as an independent checker sees the event log", () => {
    fc.assert(
      fc.property(workloadArb, (w) => {
        const out = simulateWorkload(w);
        expect(checkRun(w, out.events)).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  it("never break them either on crowded clusters with many jobs", () => {
    fc.assert(
      fc.property(crowdedWorkloadArb, (w) => {
        expect(checkRun(w, simulateWorkload(w).events)).toEqual([]);
      }),
      { numRuns: Math.ceil(RUNS / 5) },
    );
  });

  it("give identical output for identical input, whatever the order of the input lists (invariant 5)", () => {
    fc.assert(
      fc.property(workloadArb, (w) => {
        const again = simulateWorkload(structuredClone(w));
        const reordered = simulateWorkload({
          ...w,
          reservations: [...w.reservations].reverse(),
          jobs: [...w.jobs].reverse(),
          nodeEvents: [...w.nodeEvents].reverse(),
        });
        const first = simulateWorkload(w);
        expect(again).toEqual(first);
        expect(reordered).toEqual(first);
      }),
      { numRuns: Math.ceil(RUNS / 3) },
    );
  });
});
