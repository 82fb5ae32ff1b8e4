// Utilisation history of a pool: the share of its GPU-seconds held by reservations per time bucket
// (what was booked; GPU-hours used by jobs are in the `usage` table per reservation).

import { listNodeRows } from "../../adapters/db/repos/nodes.ts";
import { poolExists } from "../../adapters/db/repos/pools.ts";
import { listPoolWindowsOverlapping } from "../../adapters/db/repos/reservations.ts";
import { invalid, notFound } from "../../basics/domain-error.ts";
import type { Millis } from "../../core/types.ts";
import type { ServiceContext } from "../context.ts";
import { iso } from "../views.ts";

const MAX_BUCKETS = 2_000;

export async function poolUtilisation(
  ctx: ServiceContext,
  pool: string,
  from: Millis,
  to: Millis,
  stepSeconds: number,
) {
  const step = stepSeconds * 1000;
  if (to <= from) throw invalid([{ field: "to", message: "must be after from" }]);
  if ((to - from) / step > MAX_BUCKETS)
    throw invalid([{ field: "step", message: `at most ${MAX_BUCKETS} buckets per request` }]);
  if (!(await poolExists(ctx.db, pool))) throw notFound(`pool ${pool}`);
  const nodes = await listNodeRows(ctx.db, pool);
  const capacity = nodes.reduce((s, n) => s + n.gpus, 0);
  const rows = await listPoolWindowsOverlapping(ctx.db, pool, { start: from, end: to });
  const buckets: { start: string; end: string; bookedFraction: number }[] = [];
  for (let t = from; t < to; t += step) {
    const end = Math.min(to, t + step);
    let held = 0;
    for (const r of rows) {
      // A reservation that ended early (cancelled, released, displaced) held its GPUs until then.
      const stop =
        r.state === "confirmed" || r.state === "completed"
          ? r.end_at.getTime()
          : Math.min(r.end_at.getTime(), r.ended_at?.getTime() ?? r.start_at.getTime());
      const overlap = Math.min(end, stop) - Math.max(t, r.start_at.getTime());
      if (overlap > 0) held += overlap * r.nodes * r.gpus_per_node;
    }
    buckets.push({
      start: iso(t),
      end: iso(end),
      bookedFraction: capacity > 0 ? held / (capacity * (end - t)) : 0,
    });
  }
  return { pool, gpus: capacity, buckets };
}
