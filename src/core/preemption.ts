// Preemption victims (computing only: `plan` acts on the result by emitting signals). Only
// opportunistic work is ever a victim, and only of strictly lower priority than the job that needs
// the GPUs. Preference (docs/rules.md §2): borrowers of the needed slots first, then lowest
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
  let mask = st.entry.full & ~st.claimed & ~st.closed;
  const horizon = now + job.graceMs;
  if (st.needMin > horizon) return mask;
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
  // Candidates with the ordinals each would free here, in scratch arrays reused by every call: this
  // runs for every node a search examines (thousands per cycle at L), where an object and a sorted
  // copy per candidate made up a fifth of what a cycle allocated. One cycle runs at a time and
  // nothing here calls back out, so sharing them is safe.
  const node = st.entry.node.name;
  const jobs = CAND_JOBS;
  const masks = CAND_MASKS;
  const borrowers = CAND_BORROWERS;
  let n = 0;
  let potential = ready;
  for (let i = 0; i < st.jobs.length; i++) {
    const rj = st.jobs[i]!;
    if (!isPreemptible(rj, job)) continue;
    const m = (rj.masks.get(node) ?? 0) & lendable;
    if (m === 0) continue;
    potential |= m;
    // Insertion in preference order (a node runs a handful of jobs).
    const borrower = isBorrower(rj, st);
    let k = n++;
    while (k > 0 && preferred(rj, borrower, jobs[k - 1]!, borrowers[k - 1]!)) {
      jobs[k] = jobs[k - 1]!;
      masks[k] = masks[k - 1]!;
      borrowers[k] = borrowers[k - 1]!;
      k--;
    }
    jobs[k] = rj;
    masks[k] = m;
    borrowers[k] = borrower;
  }
  if (popcount(potential) < need) return null; // even every weaker job here would not free enough
  let got = ready;
  let taken = 0;
  while (popcount(got) < need) got |= masks[taken++]!;
  // Never more than needed: drop, last preferred first, any victim not required.
  const keep = CAND_KEEP;
  for (let i = 0; i < taken; i++) keep[i] = true;
  for (let i = taken - 1; i >= 0; i--) {
    let without = ready;
    for (let k = 0; k < taken; k++) if (k !== i && keep[k]) without |= masks[k]!;
    if (popcount(without) >= need) keep[i] = false;
  }
  const chosen: RunningJob[] = [];
  let gained = ready;
  for (let i = 0; i < taken; i++) {
    if (!keep[i]) continue;
    chosen.push(jobs[i]!);
    gained |= masks[i]!;
  }
  jobs.fill(undefined as unknown as RunningJob, 0, n); // let the jobs go with the cycle
  const freeFirst = ready & ~st.pending;
  let mask = lowestBits(freeFirst, need);
  if (popcount(mask) < need) mask |= lowestBits(gained & ~freeFirst, need - popcount(mask));
  return { mask, victims: chosen, cost: costOf(chosen, st) };
}

const CAND_JOBS: RunningJob[] = [];
const CAND_MASKS: number[] = [];
const CAND_BORROWERS: boolean[] = [];
const CAND_KEEP: boolean[] = [];

/** Whether victim `a` goes before `b`: borrowers first, then lowest priority, least work lost,
 * most GPUs, then id. */
function preferred(a: RunningJob, aBorrower: boolean, b: RunningJob, bBorrower: boolean): boolean {
  if (aBorrower !== bBorrower) return aBorrower;
  const r = priorityRank(a.view.priority) - priorityRank(b.view.priority);
  if (r !== 0) return r < 0;
  const l = lost(a) - lost(b);
  if (l !== 0) return l < 0;
  if (a.view.gpus !== b.view.gpus) return a.view.gpus > b.view.gpus;
  return compareId(a.view.id, b.view.id) < 0;
}

/** The last search's stamp (NodeState.examined); numbers only grow, so no reset is ever needed. */
let searchStamp = 0;

/** Feasible nodes examined per search before choosing (see findPreemptionTarget). */
const NODES_EXAMINED = 8;

/**
 * Victims of a pool in preference order, built once per cycle on the first search there:
 * borrowers first, then lowest priority, then least work lost, then id.
 */
export class VictimOrder {
  private readonly list: RunningJob[];
  /** Entries before this one are all signalled already (the best victims go first). */
  private start = 0;
  constructor(state: CycleState, pool: string) {
    const seen = new Set<RunningJob>();
    for (const e of state.index.poolNodes.get(pool) ?? []) {
      for (const rj of state.nodes.at(e.position)!.jobs) if (!rj.owner && !rj.signalled) seen.add(rj);
    }
    // Keys computed once, then one sort of plain records (this runs per pool per cycle).
    const keyed = [...seen].map((rj) => {
      let borrower = 0;
      for (const [node, mask] of rj.masks) if ((state.nodes.get(node)?.heldLater ?? 0) & mask) borrower = 1;
      return {
        rj,
        first: 1 - borrower,
        rank: priorityRank(rj.view.priority),
        lost: lost(rj),
        id: rj.view.id,
      };
    });
    keyed.sort(
      (a, b) =>
        a.first - b.first || a.rank - b.rank || a.lost - b.lost || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
    this.list = keyed.map((k) => k.rj);
  }

  /**
   * Visit the nodes holding victims weaker than `rank`, in the order of their most preferable
   * victim, until `visit` says stop (a node may come again; the caller skips what it has seen). A
   * plain loop, not a generator: this runs on every search.
   */
  eachNode(rank: number, visit: (node: string) => boolean): void {
    while (this.start < this.list.length && this.list[this.start]!.signalled) this.start++;
    for (let i = this.start; i < this.list.length; i++) {
      const rj = this.list[i]!;
      if (rj.signalled || priorityRank(rj.view.priority) >= rank) continue;
      const placement = rj.view.placement ?? [];
      for (let k = 0; k < placement.length; k++) if (!visit(placement[k]!.node)) return;
    }
  }
}

/**
 * Where `job` could run by preempting lower-priority opportunistic work (or by waiting for jobs
 * already signalled), or null. One-node jobs: the cheapest node. Whole-node jobs: the cheapest nodes,
 * each freed entirely. Bounded search: nodes with signalled GPUs still unpromised come first (and,
 * for whole-node jobs, idle nodes), then
 * the nodes of the most preferable victims, until NODES_EXAMINED feasible nodes beyond those needed
 * are known; each node's victim set is exact. (Scanning every node of a 10k-GPU pool per search
 * cost seconds per cycle at L.)
 */
export function findPreemptionTarget(
  state: CycleState,
  job: JobView,
  poolGpusPerNode: number,
  now: Millis,
  order: VictimOrder,
): PreemptionTarget | null {
  const wholeNodes = job.gpus > poolGpusPerNode ? job.gpus / poolGpusPerNode : 0;
  const want = wholeNodes > 0 ? wholeNodes : 1;
  const options: { node: string; mask: number; victims: RunningJob[]; cost: Cost }[] = [];
  // Each search stamps the nodes it examines (a Set per search was most of what it allocated).
  const stamp = ++searchStamp;
  const examine = (name: string) => {
    const st = state.nodes.get(name)!;
    if (st.examined === stamp) return;
    st.examined = stamp;
    const n = st.entry.node;
    if (!n.up || n.pool !== job.pool) return;
    const need = wholeNodes > 0 ? n.gpus : job.gpus;
    if (n.gpus < need || (wholeNodes > 0 && n.gpus !== poolGpusPerNode)) return;
    const v = victimsOnNode(st, job, need, now);
    if (v) options.push({ node: name, ...v });
  };
  for (const name of state.pendingNodes(job.pool)) examine(name);
  if (wholeNodes > 0) {
    // Whole nodes may combine idle nodes with nodes freed by preemption: idle ones hold no victim,
    // so the victim walk below would never reach them.
    for (const e of state.index.poolNodes.get(job.pool) ?? []) {
      const st = state.nodes.at(e.position)!;
      if ((st.occupied & ~st.pending) === 0) examine(e.node.name);
    }
  }
  order.eachNode(priorityRank(job.priority), (name) => {
    if (options.length >= want + NODES_EXAMINED) return false;
    examine(name);
    return true;
  });
  if (options.length < want) return null;
  // Insertion sort: a few options (V8's sort copies the list).
  for (let i = 1; i < options.length; i++) {
    const o = options[i]!;
    let k = i;
    while (
      k > 0 &&
      (compareCost(options[k - 1]!.cost, o.cost) || compareNatural(options[k - 1]!.node, o.node)) > 0
    ) {
      options[k] = options[k - 1]!;
      k--;
    }
    options[k] = o;
  }
  const picked = options.slice(0, want);
  return {
    masks: new Map(picked.map((o) => [o.node, o.mask])),
    // A multi-node victim may show up on two picked nodes: signal it once.
    victims: [...new Map(picked.flatMap((o) => o.victims).map((v) => [v.view.id, v])).values()],
  };
}
