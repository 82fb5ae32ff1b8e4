// A reservation's own jobs: admitted on its slots at their due time (the later of submission and the
// reservation's start), all or nothing, in submission order. Borrowers on the slots an owner job
// needs are reclaimed: a grace period ahead when the start is known in advance (lead-time reclaim),
// at once when the owner job arrives during the window. Only borrowers are reclaimed; the owner's
// own running jobs make a new one wait.
import { type CycleState, type NodeState, needSlot, type RunningJob } from "./cycle-state.ts";
import { lowestBits, maskOf, popcount } from "./gpu-mask.ts";
import { compareId } from "./natural-order.ts";
import type { Decision, JobView } from "./snapshot.ts";
import { type Millis, type Placement, priorityRank, type Reservation } from "./types.ts";

/** Why an owner job can never run on its reservation, or null when its shape fits. */
export function ownerShapeProblem(job: JobView, r: Reservation, poolGpusPerNode: number): string | null {
  if (job.pool !== r.pool) return `job pool ${job.pool} differs from reservation ${r.id}'s pool ${r.pool}`;
  if (!Number.isInteger(job.gpus) || job.gpus < 1) return "a job needs at least one whole GPU";
  if (job.gpus <= r.gpusPerNode) return null;
  const wholeNodes = job.gpus / poolGpusPerNode;
  if (r.gpusPerNode === poolGpusPerNode && Number.isInteger(wholeNodes) && wholeNodes <= r.nodes) return null;
  return `job needs ${job.gpus} GPUs, larger than reservation ${r.id} (${r.nodes} × ${r.gpusPerNode})`;
}

interface Option {
  masks: Map<string, number>;
  victims: RunningJob[];
  ready: boolean;
}

function reclaimable(rj: RunningJob, node: string, rMask: number): boolean {
  return !rj.owner && !rj.signalled && ((rj.masks.get(node) ?? 0) & rMask) !== 0;
}

const byReclaimPreference = (a: RunningJob, b: RunningJob) =>
  priorityRank(a.view.priority) - priorityRank(b.view.priority) ||
  (a.view.workSinceCheckpointMs ?? 0) - (b.view.workSinceCheckpointMs ?? 0) ||
  compareId(a.view.id, b.view.id);

// Exhaustive below this many borrowers on one node (a node runs a handful of jobs); greedy beyond.
const EXHAUSTIVE_LIMIT = 10;

/**
 * The borrowers to reclaim so `need` ordinals are free: the set free soonest (the owner must not wait
 * for a long grace when a short one will do), then fewest jobs, then lowest priority, then least work
 * lost, then fewest GPUs taken back (never more than needed), then id.
 */
function fewestBorrowers(
  cands: readonly RunningJob[],
  need: number,
  gain: (vs: readonly RunningJob[]) => number,
  freeAt: (v: RunningJob) => Millis,
): RunningJob[] | null {
  if (popcount(gain([])) >= need) return [];
  if (popcount(gain(cands)) < need) return null;
  const key = (vs: readonly RunningJob[]) => [
    Math.max(...vs.map(freeAt)),
    vs.length,
    Math.max(...vs.map((v) => priorityRank(v.view.priority))),
    vs.reduce((s, v) => s + (v.view.workSinceCheckpointMs ?? 0), 0),
    vs.reduce((s, v) => s + v.view.gpus, 0),
  ];
  if (cands.length <= EXHAUSTIVE_LIMIT) {
    let best: RunningJob[] | null = null;
    let bestKey: number[] = [];
    for (let bits = 1; bits < 1 << cands.length; bits++) {
      const set = cands.filter((_, i) => bits & (1 << i));
      if (best && set.length > best.length) continue;
      if (popcount(gain(set)) < need) continue;
      const k = key(set);
      const c = best ? compareKeys(k, bestKey) : -1;
      if (c < 0 || (c === 0 && compareIds(set, best!) < 0)) {
        best = set;
        bestKey = k;
      }
    }
    return best;
  }
  const chosen: RunningJob[] = [];
  for (const c of cands) {
    if (popcount(gain(chosen)) >= need) break;
    chosen.push(c);
  }
  for (let i = chosen.length - 1; i >= 0; i--) {
    if (popcount(gain(chosen.filter((_, k) => k !== i))) >= need) chosen.splice(i, 1);
  }
  return chosen;
}

function compareKeys(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

function compareIds(a: readonly RunningJob[], b: readonly RunningJob[]): number {
  for (let i = 0; i < a.length; i++) {
    const c = compareId(a[i]!.view.id, b[i]!.view.id);
    if (c !== 0) return c;
  }
  return 0;
}

interface NodeOption {
  mask: number;
  victims: RunningJob[];
  /** True when the ordinals are free now. */
  ready: boolean;
  /** When the ordinals will all be free (borrowers stopped, signalled ones gone). */
  readyAt: Millis;
}

/** Best ordinals of one reservation node for `need` GPUs, reclaiming as few borrowers as possible. */
function onNode(
  state: CycleState,
  st: NodeState,
  rMask: number,
  need: number,
  needFrom: Millis,
  now: Millis,
): NodeOption | null {
  if (!st.entry.node.up) return null;
  const node = st.entry.node.name;
  const open = rMask & ~st.claimed & ~st.ownerClaimed;
  const avail = open & ~st.occupied;
  if (popcount(avail) >= need)
    return { mask: lowestBits(avail, need), victims: [], ready: true, readyAt: needFrom };
  // Already signalled, or the owner's job of a window that ends by the need (it is stopped then):
  // both free without anyone being reclaimed.
  let pend = open & st.pending;
  for (const rj of st.jobs) {
    if (!rj.owner || rj.signalled) continue;
    const end = state.reservations.get(rj.view.runsOn!)?.end ?? Number.POSITIVE_INFINITY;
    if (end <= needFrom) pend |= (rj.masks.get(node) ?? 0) & open;
  }
  const cands = st.jobs.filter((rj) => reclaimable(rj, node, rMask)).sort(byReclaimPreference);
  const gain = (vs: readonly RunningJob[]) => {
    let m = avail | pend;
    for (const v of vs) m |= (v.masks.get(node) ?? 0) & open;
    return m;
  };
  // A borrower signalled in time is gone at the need; one signalled late, a grace from now.
  const freeAt = (v: RunningJob) => Math.max(needFrom, now + v.view.graceMs);
  const chosen = fewestBorrowers(cands, need, gain, freeAt);
  if (!chosen) return null;
  let mask = lowestBits(avail, need);
  if (popcount(mask) < need) mask |= lowestBits(gain(chosen) & ~avail, need - popcount(mask));
  let readyAt = needFrom;
  for (const v of chosen) readyAt = Math.max(readyAt, freeAt(v));
  for (const rj of st.jobs) {
    if (((rj.masks.get(node) ?? 0) & mask) === 0) continue;
    if (rj.signalled) readyAt = Math.max(readyAt, rj.stopAt);
    else if (rj.owner) readyAt = Math.max(readyAt, state.reservations.get(rj.view.runsOn!)?.end ?? readyAt);
  }
  return { mask, victims: chosen, ready: false, readyAt };
}

/** Options compare by: free now, then free soonest, then fewest borrowers reclaimed. */
function compareOptions(a: NodeOption, b: NodeOption): number {
  return Number(b.ready) - Number(a.ready) || a.readyAt - b.readyAt || a.victims.length - b.victims.length;
}

function chooseOption(
  state: CycleState,
  r: Reservation,
  job: JobView,
  poolGpusPerNode: number,
  needFrom: Millis,
  now: Millis,
): Option | null {
  const slots = r.placement.map((p) => ({ st: state.nodes.get(p.node), rMask: maskOf(p.gpus) }));
  const per: (NodeOption & { node: string })[] = [];
  const whole = job.gpus > r.gpusPerNode;
  for (const { st, rMask } of slots) {
    if (!st) continue;
    const o = onNode(state, st, rMask, whole ? popcount(rMask) : job.gpus, needFrom, now);
    if (o) per.push({ node: st.entry.node.name, ...o });
  }
  const k = whole ? job.gpus / poolGpusPerNode : 1;
  if (per.length < k) return null;
  // Stable: among equal options the reservation's own node order decides.
  per.sort(compareOptions);
  const picked = per.slice(0, k);
  return {
    masks: new Map(picked.map((p) => [p.node, p.mask])),
    victims: [...new Map(picked.flatMap((p) => p.victims).map((v) => [v.view.id, v])).values()],
    ready: picked.every((p) => p.ready),
  };
}

export function placementOf(masks: ReadonlyMap<string, number>): Placement {
  const out: { node: string; gpus: number[] }[] = [];
  for (const [node, mask] of masks) {
    const gpus: number[] = [];
    for (let i = 0; i < 31; i++) if (mask & (1 << i)) gpus.push(i);
    out.push({ node, gpus });
  }
  return out;
}

export interface CycleOutput {
  readonly decisions: Decision[];
  wake(t: Millis): void;
}

/**
 * Admit or prepare the queued owner jobs of one holding reservation (`jobs` in submission order).
 */
export function planReservationJobs(
  state: CycleState,
  r: Reservation,
  jobs: readonly JobView[],
  poolGpusPerNode: number,
  now: Millis,
  out: CycleOutput,
): void {
  const needFrom = Math.max(r.start, now);
  if (r.start > now) out.wake(r.start);
  for (const job of jobs) {
    const option = chooseOption(state, r, job, poolGpusPerNode, needFrom, now);
    if (!option) continue; // the reservation's own jobs fill it: wait for one to finish
    if (option.ready && r.start <= now) {
      out.decisions.push({
        kind: "admit",
        job: job.id,
        placement: placementOf(option.masks),
        reservation: r.id,
        lentFrom: [],
      });
      state.markAdmitted(job, option.masks);
      // It hears of the window's end a grace period ahead: later in a cycle to come, or at once
      // when it starts inside that last grace period.
      if (now >= r.end - job.graceMs) {
        out.decisions.push({ kind: "signal", job: job.id, reason: "window-end", stopAt: r.end, by: r.id });
        out.wake(r.end);
      } else out.wake(r.end - job.graceMs);
      continue;
    }
    for (const [node, mask] of option.masks) {
      const st = state.nodes.get(node)!;
      st.ownerClaimed |= mask;
      for (let o = 0; o < st.entry.node.gpus; o++) if (mask & (1 << o)) needSlot(st, o, needFrom);
    }
    for (const v of option.victims) {
      const signalAt = needFrom - v.view.graceMs;
      if (now >= signalAt) {
        const stopAt = now + v.view.graceMs;
        out.decisions.push({ kind: "signal", job: v.view.id, reason: "reclaim", stopAt, by: r.id });
        state.markSignalled(v, stopAt);
        out.wake(stopAt);
      } else out.wake(signalAt);
    }
  }
}
