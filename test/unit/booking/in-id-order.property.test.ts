// mergeInIdOrder (src/services/booking/in-id-order.ts) against what it replaces in the booking
// snapshot: every list's items into a map by id, the first seen winning, its values sorted by id.
// Lists share ids (a team's quota rows are also its pool's holds), repeat ids, and come sorted or
// not, so every branch of the merge meets the reference.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareId } from "../../../src/core/index.ts";
import type { Reservation } from "../../../src/core/types.ts";
import { mergeInIdOrder } from "../../../src/services/booking/in-id-order.ts";

const RUNS = Number(process.env.BERTH_PROPERTY_RUNS ?? 300);

const reservation = (id: string, source: number, k: number): Reservation => ({
  id,
  // Which list and which place it came from: the result must take the first one seen.
  team: `${source}:${k}`,
  pool: "p",
  nodes: 1,
  gpusPerNode: 1,
  start: 0,
  end: 1,
  priority: "normal",
  bookedAt: 0,
  state: "confirmed",
  placement: [],
});

/** Ids from a small alphabet of lengths 1-3, so lists overlap and code-unit order matters ("a" < "aB" < "b"). */
const idArb = fc.stringMatching(/^[aBb9]{1,3}$/);
const listArb = fc
  .tuple(fc.array(idArb, { maxLength: 30 }), fc.boolean())
  .map(([ids, sorted]) => ({ ids: sorted ? [...new Set(ids)].sort(compareId) : ids, sorted }));

function reference(lists: readonly (readonly Reservation[])[]): Reservation[] {
  const byId = new Map<string, Reservation>();
  for (const list of lists) for (const r of list) if (!byId.has(r.id)) byId.set(r.id, r);
  return [...byId.values()].sort((a, b) => compareId(a.id, b.id));
}

describe("merging reservation lists in id order", () => {
  it("answers as a map by id (first seen wins) sorted by id", () => {
    fc.assert(
      fc.property(fc.array(listArb, { maxLength: 6 }), fc.boolean(), (idLists, tell) => {
        const lists = idLists.map(({ ids }, source) => ids.map((id, k) => reservation(id, source, k)));
        // Told which lists are in id order (each id once), or left to find out.
        const sorted = new Set(tell ? idLists.flatMap((l, i) => (l.sorted ? [i] : [])) : []);
        expect(mergeInIdOrder(lists, sorted)).toEqual(reference(lists));
      }),
      { numRuns: RUNS },
    );
  });
});
