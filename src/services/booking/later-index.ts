// The index of a pool that a refused booking's later-window suggestion searches, built once per
// version of the pool's holds in memory (and per inventory) instead of once per decision: a dry
// run into a pool booked full for 40 days indexed its 12,000 holds again on every request of
// someone checking availability as they type (BENCHMARKS.md, dry run into a full pool).
import { CapacityIndex, holdsSlots } from "../../core/index.ts";
import type { Inventory, Millis, Reservation } from "../../core/types.ts";
import type { HoldIndex } from "./hold-index.ts";

const built = new WeakMap<HoldIndex, { readonly inventory: Inventory; readonly index: CapacityIndex }>();

/**
 * The pool's index for `decideBooking`'s `laterIndex`, or undefined when it would not be exact:
 * when `reservations` (what the booking is decided on, in id order) hold in the pool after `start`
 * anything but the very holds of `holds` that end after `start` (a team's quota row read apart
 * from memory, a booking not yet in it). Holds of memory that end earlier, ended ones included, may
 * stay in the index: no later window can meet them.
 */
export function laterIndexOf(
  holds: HoldIndex,
  inventory: Inventory,
  at: { readonly pool: string; readonly start: Millis },
  reservations: readonly Reservation[],
): CapacityIndex | undefined {
  const { pool, start } = at;
  // Both lists in id order: walk them side by side (a plain loop: this runs on every refusal).
  const mine = holds.inIdOrder();
  let k = 0;
  // Cheapest test first: most of a pool booked full ends after the start.
  const skip = (r: Reservation) => r.end <= start || !holdsSlots(r);
  for (let i = 0; i < reservations.length; i++) {
    const r = reservations[i]!;
    if (r.end <= start || r.pool !== pool || !holdsSlots(r)) continue;
    while (k < mine.length && skip(mine[k]!)) k++;
    if (mine[k] !== r) return undefined;
    k++;
  }
  while (k < mine.length && skip(mine[k]!)) k++;
  if (k < mine.length) return undefined;
  const kept = built.get(holds);
  if (kept && kept.inventory === inventory) return kept.index;
  const index = new CapacityIndex(inventory, mine, pool);
  built.set(holds, { inventory, index });
  return index;
}
