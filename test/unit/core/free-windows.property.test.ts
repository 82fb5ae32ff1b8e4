import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_BOOKING_RULES } from "../../../src/core/booking-rules.ts";
import { CapacityIndex } from "../../../src/core/capacity.ts";
import { findFreeWindows } from "../../../src/core/free-windows.ts";
import { popcount } from "../../../src/core/gpu-mask.ts";
import { placeShape } from "../../../src/core/placement.ts";
import { CLUSTER, NOW, reservation } from "./builders.ts";

const Q = 15 * 60_000;

/** Holds on the v100 pool (2 nodes × 8): random ordinals, starts and lengths on the grid. */
const holdsArb = fc.array(
  fc.record({
    node: fc.integer({ min: 0, max: 1 }),
    gpus: fc.subarray([0, 1, 2, 3, 4, 5, 6, 7], { minLength: 1 }),
    startQ: fc.integer({ min: 0, max: 40 }),
    lengthQ: fc.integer({ min: 1, max: 16 }),
  }),
  { maxLength: 30 },
);

describe("the next free windows, against a plain check of every candidate start", () => {
  it("are the earliest feasible starts, whatever the holds", () => {
    fc.assert(
      fc.property(
        holdsArb,
        fc.record({
          whole: fc.boolean(),
          gpus: fc.integer({ min: 1, max: 8 }),
          durationQ: fc.integer({ min: 1, max: 12 }),
          limit: fc.integer({ min: 1, max: 3 }),
        }),
        (holds, ask) => {
          // Slots may be held twice here (overlapping holds): the search must cope with any input.
          const reservations = holds.map((h, i) =>
            reservation({
              id: `r${String(i).padStart(2, "0")}`,
              start: NOW + h.startQ * Q,
              end: NOW + (h.startQ + h.lengthQ) * Q,
              placement: [{ node: `v100-${h.node}`, gpus: h.gpus }],
            }),
          );
          const shape = ask.whole ? { nodes: 2, gpusPerNode: 8 } : { nodes: 1, gpusPerNode: ask.gpus };
          const durationMs = ask.durationQ * Q;
          const found = findFreeWindows({
            inventory: CLUSTER,
            reservations,
            pool: "v100",
            ...shape,
            durationMs,
            after: NOW,
            limit: ask.limit,
            rules: DEFAULT_BOOKING_RULES,
            now: NOW,
          }).map((w) => [w.start, w.placement]);
          const index = new CapacityIndex(CLUSTER, reservations);
          // The plain search: each node's candidate starts (now, and the ends of its own holds:
          // freedom only grows when one ends), checked by scanning all its holds, up to `limit` per
          // node for one-node shapes; then the earliest of them where the shape is placed.
          const gpusFree = (node: string, t: number) =>
            index.freeMask(index.nodes.get(node)!, { start: t, end: t + durationMs });
          const candidates = new Set<number>();
          for (const node of ["v100-0", "v100-1"]) {
            const own = reservations.filter((r) => r.placement[0]!.node === node).map((r) => r.end);
            let taken = 0;
            for (const t of [...new Set([NOW, ...own])].sort((a, b) => a - b)) {
              const free = gpusFree(node, t);
              const fits = ask.whole ? free === 0xff : popcount(free) >= ask.gpus;
              if (!fits) continue;
              candidates.add(t);
              if (!ask.whole && ++taken >= ask.limit) break;
            }
          }
          const expected: unknown[] = [];
          for (const t of [...candidates].sort((a, b) => a - b)) {
            if (expected.length >= ask.limit) break;
            const placement = placeShape(index, "v100", shape, { start: t, end: t + durationMs });
            if (placement) expected.push([t, placement]);
          }
          expect(found).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});
