// The hold index (src/services/booking/hold-index.ts) against the plainest possible reading of
// the same holds: a filter. Whatever holds it starts from and whatever changes it goes through,
// it answers every window exactly as the filter does, and an index already handed out never
// changes (the booking path relies on both: pool-holds-memory.ts).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Reservation } from "../../../src/core/types.ts";
import { HoldIndex } from "../../../src/services/booking/hold-index.ts";

const RUNS = Number(process.env.BERTH_PROPERTY_RUNS ?? 300);

/** Small integer times make ties (equal starts, touching windows) common. */
const windowArb = fc.record({
  start: fc.integer({ min: 0, max: 40 }),
  length: fc.integer({ min: 1, max: 12 }),
});

/** Holds with ids that start with `prefix`, so every list of a run has its own. */
const holdsArb = (prefix: string) =>
  fc.array(windowArb, { maxLength: 20 }).map((windows) =>
    windows.map(
      ({ start, length }, k): Reservation => ({
        id: `${prefix}${k}`,
        team: "t",
        pool: "p",
        nodes: 1,
        gpusPerNode: 1,
        start,
        end: start + length,
        priority: "normal",
        bookedAt: 0,
        state: "confirmed",
        placement: [],
      }),
    ),
  );

/** A change: holds added, and some of those present removed (by index into the present ones). */
const changeArb = (prefix: string) =>
  fc.record({ added: holdsArb(prefix), removed: fc.array(fc.nat(), { maxLength: 4 }) });
const changesArb = fc
  .array(fc.constant(null), { maxLength: 6 })
  .chain((slots) => fc.tuple(...slots.map((_, j) => changeArb(`c${j}-`))));

const queryArb = fc.record({
  start: fc.integer({ min: -5, max: 55 }),
  length: fc.integer({ min: 0, max: 30 }),
  now: fc.integer({ min: -5, max: 55 }),
});

function naive(holds: readonly Reservation[], q: { start: number; length: number; now: number }) {
  return holds.filter((h) => h.start < q.start + q.length && h.end > q.start && h.end > q.now);
}

const ids = (rs: readonly Reservation[]) => rs.map((r) => r.id).sort();

describe("the hold index", () => {
  it("answers every window as a filter over the same holds, through any sequence of changes", () => {
    fc.assert(
      fc.property(
        holdsArb("i"),
        changesArb,
        fc.array(queryArb, { maxLength: 8 }),
        // Whether each step's index is asked in id order: a later index then merges that order
        // from its parent's, or sorts its own when the parent never had one.
        fc.array(fc.boolean(), { minLength: 7, maxLength: 7 }),
        (initial, changes, queries, inIdOrder) => {
          let index = new HoldIndex(initial);
          let holds = [...initial];
          let step = 0;
          const check = () => {
            expect(index.size).toBe(holds.length);
            for (const q of queries) {
              expect(ids(index.overlapping(q.start, q.start + q.length, q.now))).toEqual(
                ids(naive(holds, q)),
              );
              expect(ids(index.holdsAfter(q.now))).toEqual(ids(holds.filter((h) => h.end > q.now)));
              if (inIdOrder[step]) {
                // Not re-sorted: the index's own order must be the ids' order.
                expect(
                  index.overlappingInIdOrder(q.start, q.start + q.length, q.now).map((r) => r.id),
                ).toEqual(ids(naive(holds, q)));
              }
            }
            step++;
          };
          check();
          for (const c of changes) {
            const removed = holds.length > 0 ? c.removed.map((i) => holds[i % holds.length]!) : [];
            index = index.withChanges({ added: c.added, removed });
            const gone = new Set(removed.map((r) => r.id));
            holds = [...holds.filter((h) => !gone.has(h.id)), ...c.added];
            check();
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("never changes an index already handed out", () => {
    fc.assert(
      fc.property(holdsArb("i"), changeArb("c"), queryArb, (initial, change, q) => {
        const index = new HoldIndex(initial);
        const before = index.overlapping(q.start, q.start + q.length, q.now);
        const beforeById = index.overlappingInIdOrder(q.start, q.start + q.length, q.now);
        index.withChanges({ added: change.added, removed: initial.slice(0, change.removed.length) });
        expect(index.overlapping(q.start, q.start + q.length, q.now)).toEqual(before);
        expect(index.overlappingInIdOrder(q.start, q.start + q.length, q.now)).toEqual(beforeById);
        expect(index.size).toBe(initial.length);
      }),
      { numRuns: RUNS },
    );
  });
});
