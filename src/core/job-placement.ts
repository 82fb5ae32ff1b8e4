// Where a job starts now. Opportunistic jobs go to GPUs free of running jobs, unreserved ones before
// lent ones (a borrower is reclaimed sooner or later), best-fit among nodes so whole nodes stay free
// for big jobs. Owner jobs go to their own reservation's ordinals.
import type { CycleState, NodeState } from "./cycle-state.ts";
import { lowestBits, popcount } from "./gpu-mask.ts";
import { lendableMask } from "./preemption.ts";
import type { JobView } from "./snapshot.ts";
import type { Millis } from "./types.ts";

/** Ordinal masks per node, in node order. */
export type JobMasks = Map<string, number>;

/** The free ordinals `job` may take on `st` now. */
function freeFor(st: NodeState, job: JobView, now: Millis): number {
  return lendableMask(st, job, now) & ~st.occupied;
}

/** A placement for an opportunistic job, or null when it does not fit now. */
export function placeOpportunistic(
  state: CycleState,
  job: JobView,
  poolGpusPerNode: number,
  now: Millis,
): JobMasks | null {
  const nodes = state.index.poolNodes.get(job.pool) ?? [];
  if (job.gpus > poolGpusPerNode) {
    // Whole nodes: every GPU of each node free; nodes without any reservation first.
    const k = job.gpus / poolGpusPerNode;
    const clean: string[] = [];
    const lent: string[] = [];
    for (const e of nodes) {
      if (e.node.gpus !== poolGpusPerNode) continue;
      const st = state.nodes.at(e.position)!;
      if (freeFor(st, job, now) !== e.full) continue;
      (st.heldLater === 0 ? clean : lent).push(e.node.name);
      if (clean.length >= k) break;
    }
    const chosen = [...clean, ...lent].slice(0, k);
    if (chosen.length < k) return null;
    return new Map(chosen.map((n) => [n, state.nodes.get(n)!.entry.full]));
  }
  let best: { node: string; free: number; lent: boolean; count: number } | null = null;
  for (const e of nodes) {
    if (e.node.gpus < job.gpus) continue;
    const st = state.nodes.at(e.position)!;
    const free = freeFor(st, job, now);
    const count = popcount(free);
    if (count < job.gpus) continue;
    const lent = popcount(free & ~st.heldLater) < job.gpus;
    if (!best || (best.lent && !lent) || (best.lent === lent && count < best.count)) {
      best = { node: e.node.name, free, lent, count };
      if (!lent && count === job.gpus) break; // an exact fit on unreserved GPUs cannot be beaten
    }
  }
  if (!best) return null;
  const st = state.nodes.get(best.node)!;
  const unreserved = best.free & ~st.heldLater;
  let mask = lowestBits(unreserved, job.gpus);
  if (popcount(mask) < job.gpus) mask |= lowestBits(best.free & st.heldLater, job.gpus - popcount(mask));
  return new Map([[best.node, mask]]);
}
