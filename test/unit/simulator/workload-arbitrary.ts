// Random workloads for property tests: small clusters, reservations on the 15-minute grid (some
// booked late, some inside the freeze), jobs with and without reservations, node losses.
import fc from "fast-check";
import { PRIORITIES } from "../../../src/core/types.ts";
import type { WorkloadJson } from "../../../src/simulator/workload.ts";

const T0 = Date.parse("2026-12-07T00:00:00.000Z");
const Q = 15 * 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** Generated workloads list every field the checker reads. */
export interface RawWorkload extends Omit<WorkloadJson, "jobs" | "nodeEvents"> {
  jobs: (WorkloadJson["jobs"][number] & { grace: number; saveOnSignal: boolean })[];
  nodeEvents: NonNullable<WorkloadJson["nodeEvents"]>;
}

const priority = fc.constantFrom(...PRIORITIES);
const team = fc.constantFrom("vision", "nlp", "speech");

export const workloadArb: fc.Arbitrary<RawWorkload> = arbitraryWorkload(25, 8);

/** More jobs and reservations than GPUs can take at once: queues, preemption and reclaim all day. */
export const crowdedWorkloadArb: fc.Arbitrary<RawWorkload> = arbitraryWorkload(80, 16);

function arbitraryWorkload(maxJobs: number, maxReservations: number): fc.Arbitrary<RawWorkload> {
  return fc
    .record({
      pools: fc.array(
        fc.record({
          nodes: fc.integer({ min: 1, max: 3 }),
          gpusPerNode: fc.constantFrom(1, 2, 4, 8),
          cc: fc.constantFrom("7.0", "8.0"),
        }),
        { minLength: 1, maxLength: 2 },
      ),
      reservations: fc.array(
        fc.record({
          pool: fc.nat(),
          whole: fc.boolean(),
          nodes: fc.integer({ min: 1, max: 3 }),
          gpus: fc.integer({ min: 1, max: 8 }),
          startQ: fc.integer({ min: 0, max: 96 }),
          lengthQ: fc.integer({ min: 1, max: 32 }),
          bookedBeforeQ: fc.integer({ min: 0, max: 40 }),
          priority,
          team,
        }),
        { maxLength: maxReservations },
      ),
      jobs: fc.array(
        fc.record({
          pool: fc.nat(),
          whole: fc.boolean(),
          gpus: fc.integer({ min: 1, max: 8 }),
          nodes: fc.integer({ min: 1, max: 3 }),
          submitMin: fc.integer({ min: 0, max: 24 * 60 }),
          duration: fc.integer({ min: 60, max: 6 * 3600 }),
          priority,
          team,
          reservation: fc.option(fc.nat(), { nil: null }),
          checkpointEvery: fc.constantFrom(0, 300, 900),
          grace: fc.constantFrom(0, 30, 120, 600),
          saveOnSignal: fc.boolean(),
        }),
        { minLength: 1, maxLength: maxJobs },
      ),
      quotas: fc.option(
        fc.dictionary(team, fc.dictionary(priority, fc.constantFrom(0, 4, 40, 400)), { maxKeys: 3 }),
        {
          nil: undefined,
        },
      ),
      nodeEvents: fc.array(
        fc.record({
          node: fc.nat(),
          atMin: fc.integer({ min: 0, max: 30 * 60 }),
          downForMin: fc.integer({ min: 1, max: 600 }),
        }),
        {
          maxLength: 2,
        },
      ),
    })
    .map((g) => {
      const pools = g.pools.map((p, i) => ({
        name: `p${i}`,
        product: `gpu-${i}`,
        computeCapability: p.cc,
        nodes: p.nodes,
        gpusPerNode: p.gpusPerNode,
      }));
      const nodeNames = pools.flatMap((p) => Array.from({ length: p.nodes }, (_, i) => `${p.name}-${i}`));
      const reservations = g.reservations.map((r, i) => {
        const p = pools[r.pool % pools.length]!;
        const start = T0 + r.startQ * Q;
        return {
          id: `r${i}`,
          team: r.team,
          pool: p.name,
          nodes: r.whole ? r.nodes : 1,
          gpusPerNode: r.whole ? p.gpusPerNode : Math.min(r.gpus, p.gpusPerNode),
          start: iso(start),
          end: iso(start + r.lengthQ * Q),
          priority: r.priority,
          bookedAt: iso(start - r.bookedBeforeQ * Q),
        };
      });
      const jobs = g.jobs.map((j, i) => {
        const res =
          j.reservation !== null && reservations.length > 0
            ? reservations[j.reservation % reservations.length]!
            : null;
        const p = res ? pools.find((x) => x.name === res.pool)! : pools[j.pool % pools.length]!;
        return {
          id: `j${i}`,
          team: res ? res.team : j.team,
          pool: p.name,
          gpus: j.whole ? p.gpusPerNode * j.nodes : Math.min(j.gpus, p.gpusPerNode),
          submitAt: iso(T0 + j.submitMin * 60_000),
          duration: j.duration,
          priority: j.priority,
          reservation: res ? res.id : null,
          checkpointEvery: j.checkpointEvery,
          grace: j.grace,
          saveOnSignal: j.saveOnSignal,
        };
      });
      const nodeEvents = g.nodeEvents.flatMap((e) => {
        const node = nodeNames[e.node % nodeNames.length]!;
        const down = T0 + e.atMin * 60_000;
        return [
          { t: iso(down), node, type: "down" as const },
          { t: iso(down + e.downForMin * 60_000), node, type: "up" as const },
        ];
      });
      return {
        cluster: { pools },
        reservations,
        jobs,
        nodeEvents,
        ...(g.quotas ? { quotas: g.quotas } : {}),
      };
    });
}
