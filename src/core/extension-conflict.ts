// Moving a reservation's end later keeps its slots: what stands in the way is every other hold of
// those GPUs in the added time. The answer names them (holders) and suggests the longest end that
// still fits on the grid, as a refused booking names its holders and alternatives.

import type { Holder, Suggestion } from "./booking.ts";
import { gridFloor } from "./booking-rules.ts";
import type { Millis, Placement, Reservation } from "./types.ts";

function sharesGpus(a: Placement, b: Placement): boolean {
  return a.some((x) => b.some((y) => y.node === x.node && y.gpus.some((g) => x.gpus.includes(g))));
}

/** Null when `r` may end at `end` on its slots; otherwise who holds them and how far it can go. */
export function extensionConflict(
  r: Reservation,
  end: Millis,
  others: readonly Reservation[],
  gridMs: number,
): { holders: Holder[]; suggestions: Suggestion[] } | null {
  const inTheWay = others
    .filter((o) => o.id !== r.id && (o.state === "confirmed" || o.state === "active"))
    .filter((o) => o.start < end && o.end > r.end && sharesGpus(o.placement, r.placement))
    .sort((a, b) => a.start - b.start || a.id.localeCompare(b.id));
  if (inTheWay.length === 0) return null;
  const fitsUntil = Math.max(r.end, gridFloor(inTheWay[0]!.start, gridMs));
  return {
    holders: inTheWay.map((o) => ({ reservation: o.id, team: o.team, priority: o.priority })),
    suggestions:
      fitsUntil > r.end
        ? [
            {
              pool: r.pool,
              nodes: r.nodes,
              gpusPerNode: r.gpusPerNode,
              start: r.start,
              end: fitsUntil,
              kind: "smaller",
            },
          ]
        : [],
  };
}
