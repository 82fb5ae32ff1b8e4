// Preemption victims (computing only: `plan` acts on the result by emitting signals). Only
// opportunistic work is ever a victim, and only of strictly lower priority than the job that needs
// the GPUs. Preference (CONTRACTS §2 / issue 2): borrowers of the needed slots first, then lowest
// priority, then least work lost since the last checkpoint, then fewest victims; never more than
// needed. Victims are requeued by the executor and resume from their checkpoint.
import type { CycleState, NodeState, RunningJob } from "./cycle-state.ts";
import { lowestBits, popcount } from "./gpu-mask.ts";
import { compareId, compareNatural } from "./natural-order.ts";
import type { JobView } from "./snapshot.ts";
import { type Millis, priorityRank } from "./types.ts";

/** Ordinals of `st` that `job` may take: not promised this cycle, not needed by an owner within its grace. */
export function lendableMask(st: NodeState, job: Pick<JobView, "graceMs">, now: Millis): number {
  if (!st.entry.node.up) return 0;
  let mask = st.entry.full & ~st.claimed;
  const horizon = now + job.graceMs;
  for (let o = 0; o < st.needFrom.length; o++) if (st.needFrom[o]! <= horizon) mask &= ~(1 << o);
  return mask;
}

export interface PreemptionTarget {
  /** Ordinals per node the preemptor will take once the victims (and already signalled jobs) stop. */
  readonly masks: Map<string, number>;
  /** Jobs to signal; empty when already-signalled jobs free enough. */
  readonly victims: RunningJob[];
}

/** Whether `rj` may be preempted for `job` at all. */
export function isPreemptible(rj: RunningJob, job: JobView): boolean {
  return !rj.owner && !rj.signalled && priorityRank(rj.view.priority) < priorityRank(job.priority);
}

function isBorrower(rj: RunningJob, st: NodeState): boolean {
  return ((rj.masks.get(st.entry.node.name) ?? 0) & st.heldLater) !== 0;
}

function lost(rj: RunningJob): number {
  return rj.view.workSinceCheckpointMs ?? 0;
}

interface Cost {
  nonBorrowers: number;
  maxRank: number;
  workLost: number;
  count: number;
}

function costOf(victims: readonly RunningJob[], st: NodeState): Cost {
  let nonBorrowers = 0;
  let maxRank = -1;
  let workLost = 0;
  for (const v of victims) {
    if (!isBorrower(v, st)) nonBorrowers++;
    maxRank = Math.max(maxRank, priorityRank(v.view.priority));
    workLost += lost(v);
  }
  return { nonBorrowers, maxRank, workLost, count: victims.length };
}

function compareCost(a: Cost, b: Cost): number {
  return (
    a.nonBorrowers - b.nonBorrowers || a.maxRank - b.maxRank || a.workLost - b.workLost || a.count - b.count
  );
}

/** Victims on one node freeing `need` of the ordinals `job` may take, or null. */
function victimsOnNode(
  st: NodeState,
  job: JobView,
  need: number,
  now: Millis,
): { mask: number; victims: RunningJob[]; cost: Cost } | null {
  const lendable = lendableMask(st, job, now);
  const ready = lendable & (~st.occupied | st.pending);
  if (popcount(ready) >= need) {
    const free = ready & ~st.pending;
    const pick =
      popcount(free) >= need
        ? lowestBits(free, need)
        : free | lowestBits(ready & st.pending, need - popcount(free));
    return { mask: pick, victims: [], cost: { nonBorrowers: 0, maxRank: -1, workLost: 0, count: 0 } };
  }
  const cands = st.jobs
    .filter((rj) => isPreemptible(rj, job) && ((rj.masks.get(st.entry.node.name) ?? 0) & lendable) !== 0)
    .sort(
      (a, b) =>
        Number(isBorrower(b, st)) - Number(isBorrower(a, st)) ||
        priorityRank(a.view.priority) - priorityRank(b.view.priority) ||
        lost(a) - lost(b) ||
        b.view.gpus - a.view.gpus ||
        compareId(a.view.id, b.view.id),
    );
  const node = st.entry.node.name;
  const gain = (vs: readonly RunningJob[]) => {
    let m = ready;
    for (const v of vs) m |= (v.masks.get(node) ?? 0) & lendable;
    return m;
  };
  const chosen: RunningJob[] = [];
  for (const c of cands) {
    chosen.push(c);
    if (popcount(gain(chosen)) >= need) break;
  }
  if (popcount(gain(chosen)) < need) return null;
  // Never more than needed: drop, last preferred first, any victim not required.
  for (let i = chosen.length - 1; i >= 0; i--) {
    const without = chosen.filter((_, k) => k !== i);
    if (popcount(gain(without)) >= need) chosen.splice(i, 1);
  }
  const freeFirst = ready & ~st.pending;
  let mask = lowestBits(freeFirst, need);
  if (popcount(mask) < need) mask |= lowestBits(gain(chosen) & ~freeFirst, need - popcount(mask));
  return { mask, victims: chosen, cost: costOf(chosen, st) };
}

/**
 * Where `job` could run by preempting lower-priority opportunistic work (or by waiting for jobs
 * already signalled), or null. One-node jobs: the cheapest node. Whole-node jobs: the cheapest nodes,
 * each freed entirely.
 */
export function findPreemptionTarget(
  state: CycleState,
  job: JobView,
  poolGpusPerNode: number,
  now: Millis,
): PreemptionTarget | null {
  const nodes = state.index.poolNodes.get(job.pool) ?? [];
  const wholeNodes = job.gpus > poolGpusPerNode ? job.gpus / poolGpusPerNode : 0;
  const options: { node: string; mask: number; victims: RunningJob[]; cost: Cost }[] = [];
  for (const e of nodes) {
    const st = state.nodes.get(e.node.name)!;
    if (!e.node.up) continue;
    const need = wholeNodes > 0 ? e.node.gpus : job.gpus;
    if (e.node.gpus < need || (wholeNodes > 0 && e.node.gpus !== poolGpusPerNode)) continue;
    const v = victimsOnNode(st, job, need, now);
    if (v) options.push({ node: e.node.name, ...v });
  }
  const want = wholeNodes > 0 ? wholeNodes : 1;
  if (options.length < want) return null;
  options.sort((a, b) => compareCost(a.cost, b.cost) || compareNatural(a.node, b.node));
  const picked = options.slice(0, want);
  return {
    masks: new Map(picked.map((o) => [o.node, o.mask])),
    // A multi-node victim may show up on two picked nodes: signal it once.
    victims: [...new Map(picked.flatMap((o) => o.victims).map((v) => [v.view.id, v])).values()],
  };
}
