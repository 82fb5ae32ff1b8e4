// Several lists of reservations as one, each id once, in id order: what a booking is decided on
// (booking-snapshot.ts). The same answer as putting every list's items into a map by id, the
// first seen winning, and sorting its values; but the longest list, when it is in id order already
// (a pool's holds from the hold index's id order), is merged instead of sorted again: sorting the
// 12,000 holds of a pool booked full was most of a dry run's time in its profile.
import { compareId } from "../../core/index.ts";
import type { Reservation } from "../../core/types.ts";

function inIdOrder(list: readonly Reservation[]): boolean {
  for (let i = 1; i < list.length; i++) if (compareId(list[i - 1]!.id, list[i]!.id) > 0) return false;
  return true;
}

/**
 * Each id once (from the first list that has it, its first there), sorted by id. `sorted`: the
 * list at that position is in id order with each id once (checked otherwise).
 */
export function mergeInIdOrder(
  lists: readonly (readonly Reservation[])[],
  sorted: ReadonlySet<number> = new Set(),
): Reservation[] {
  let longest = -1;
  for (let i = 0; i < lists.length; i++) {
    if (longest < 0 || lists[i]!.length > lists[longest]!.length) longest = i;
  }
  // The others, first seen winning, with the list each came from.
  const rest = new Map<string, { readonly r: Reservation; readonly list: number }>();
  for (let i = 0; i < lists.length; i++) {
    if (i === longest) continue;
    for (const r of lists[i]!) if (!rest.has(r.id)) rest.set(r.id, { r, list: i });
  }
  const big = longest < 0 ? [] : lists[longest]!;
  // A stable sort keeps a repeated id's first occurrence first.
  const known = sorted.has(longest);
  const sortedBig = known || inIdOrder(big) ? big : [...big].sort((a, b) => compareId(a.id, b.id));
  if (known && rest.size === 0) return [...big];
  const small = [...rest.values()].sort((a, b) => compareId(a.r.id, b.r.id));
  const out: Reservation[] = [];
  let k = 0;
  let last: string | undefined;
  for (const r of sortedBig) {
    if (r.id === last) continue;
    while (k < small.length && compareId(small[k]!.r.id, r.id) < 0) out.push(small[k++]!.r);
    if (k < small.length && small[k]!.r.id === r.id) {
      // The same id in an earlier list wins over the longest list's.
      out.push(small[k]!.list < longest ? small[k]!.r : r);
      k++;
    } else out.push(r);
    last = r.id;
  }
  while (k < small.length) out.push(small[k++]!.r);
  return out;
}
