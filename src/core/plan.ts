// One scheduling cycle: plan(snapshot, now, config) -> { decisions, nextWakeAt }. Pure and
// deterministic (ties by id). Steps, in order:
//  1. reservation states follow the clock (active at start, completed at end);
//  2. node loss: reservations on lost nodes are re-placed or displaced;
//  3. running jobs: stop those on lost nodes, signal owner jobs `grace` before their window ends;
//  4. each holding reservation's queued jobs: admit at their due time, reclaiming borrowers (lead time);
//  5. the opportunistic queue in admission order with backfill, preempting strictly lower priority.

import { AdmissionQueue } from "./admission-queue.ts";
import { holdsSlots } from "./capacity.ts";
import { CycleState, type RunningJob } from "./cycle-state.ts";
import { popcount } from "./gpu-mask.ts";
import { placeOpportunistic } from "./job-placement.ts";
import { compareId } from "./natural-order.ts";
import { replaceOnLostNodes } from "./node-loss.ts";
import { findPreemptionTarget, VictimOrder } from "./preemption.ts";
import { ownerShapeProblem, placementOf, planReservationJobs } from "./reservation-jobs.ts";
import {
  DEFAULT_PLAN_CONFIG,
  type Decision,
  type JobView,
  type PlanConfig,
  type PlanResult,
  type SignalReason,
  type Snapshot,
} from "./snapshot.ts";
import { type Millis, type Pool, priorityRank, type Reservation } from "./types.ts";

export function plan(snapshot: Snapshot, now: Millis, config: PlanConfig = DEFAULT_PLAN_CONFIG): PlanResult {
  const decisions: Decision[] = [];
  let wakeAt = Number.POSITIVE_INFINITY;
  const wake = (t: Millis) => {
    if (t > now && t < wakeAt) wakeAt = t;
  };
  const out = { decisions, wake };

  // 1. Reservation states by the clock.
  let reservations: Reservation[] = snapshot.reservations.map((r) => {
    if (!holdsSlots(r)) return r;
    if (r.end <= now) {
      decisions.push({ kind: "reservation-state", reservation: r.id, state: "completed" });
      return { ...r, state: "completed" };
    }
    if (r.state === "confirmed" && r.start <= now) {
      decisions.push({ kind: "reservation-state", reservation: r.id, state: "active" });
      return { ...r, state: "active" };
    }
    return r;
  });

  // 2. Node loss.
  const loss = replaceOnLostNodes(snapshot.inventory, reservations, now);
  reservations = loss.reservations;
  decisions.push(...loss.decisions);

  const state = new CycleState(snapshot, reservations, now, config.lending !== false);
  const pools = new Map<string, Pool>(snapshot.inventory.pools.map((p) => [p.name, p]));
  for (let i = 0; i < reservations.length; i++) {
    const r = reservations[i]!;
    if (!holdsSlots(r)) continue;
    wake(r.start);
    wake(r.end);
  }

  // 3. Running jobs that must stop. One stopped at this very instant (node lost, window already over)
  // is requeued within this cycle, so its GPUs and its place in the queue are decided together
  // (otherwise a weaker job could start on them only to be preempted at the same instant).
  const requeued: JobView[] = [];
  // Collected first and applied in id order: the outcome does not depend on the input order, and
  // only the jobs that stop are sorted (not every running job).
  const toSignal: { rj: RunningJob; reason: SignalReason; stopAt: Millis; by: string | undefined }[] = [];
  const signal = (rj: RunningJob, reason: SignalReason, stopAt: Millis, by?: string) => {
    toSignal.push({ rj, reason, stopAt, by });
  };
  const emitSignal = ({ rj, reason, stopAt, by }: (typeof toSignal)[number]) => {
    decisions.push(
      by
        ? { kind: "signal", job: rj.view.id, reason, stopAt, by }
        : { kind: "signal", job: rj.view.id, reason, stopAt },
    );
    if (stopAt <= now) {
      state.release(rj);
      const { placement: _p, runsOn: _r, signal: _s, workSinceCheckpointMs: _w, ...rest } = rj.view;
      requeued.push({ ...rest, state: "queued" });
      return;
    }
    state.markSignalled(rj, stopAt);
    wake(stopAt);
  };
  for (const rj of state.running.values()) {
    if (rj.signalled) {
      wake(rj.view.signal!.stopAt);
      continue;
    }
    // Lost: its node is down, or it runs on ordinals the node no longer has.
    let lostNode = false;
    for (const [n, mask] of rj.masks) {
      const entry = state.nodes.get(n)?.entry;
      if (entry && (!entry.node.up || (mask & ~entry.full) !== 0)) lostNode = true;
    }
    if (lostNode) {
      signal(rj, "node-lost", now);
      continue;
    }
    if (!rj.owner) continue;
    const r = state.reservations.get(rj.view.runsOn!);
    if (!r || !holdsSlots(r)) {
      // Ended, cancelled or displaced under it: an ended window stops now, a lost one after grace.
      if (!r || r.state === "completed" || r.end <= now) signal(rj, "window-end", now, r?.id);
      else signal(rj, "reservation-lost", now + rj.view.graceMs, r.id);
    } else if (now >= r.end - rj.view.graceMs) signal(rj, "window-end", r.end, r.id);
    else wake(r.end - rj.view.graceMs);
  }
  for (const x of toSignal.sort((a, b) => compareId(a.rj.view.id, b.rj.view.id))) emitSignal(x);

  // 4. Queued jobs: owner jobs of holding reservations, the rest opportunistic (bucketed by
  // priority for the admission queue). One pass: the queue may be 100k jobs deep.
  const ownerQueues = new Map<string, JobView[]>();
  const levels: JobView[][] = [[], [], [], [], []];
  const refusals: { job: string; reason: string }[] = [];
  const poolInfo = new Map<string, { pool: Pool; nodes: number }>();
  for (const p of pools.values())
    poolInfo.set(p.name, { pool: p, nodes: state.index.poolNodes.get(p.name)?.length ?? 0 });
  let lead = 0;
  const submissionOnly = config.order === "submission";
  const classify = (j: JobView) => {
    const r = j.reservation ? state.reservations.get(j.reservation) : undefined;
    if (r && holdsSlots(r) && r.end > now) {
      const pool = pools.get(r.pool);
      const problem = pool ? ownerShapeProblem(j, r, pool.gpusPerNode) : `unknown pool ${r.pool}`;
      if (problem) {
        refusals.push({ job: j.id, reason: problem });
        return;
      }
      const list = ownerQueues.get(r.id);
      if (list) list.push(j);
      else ownerQueues.set(r.id, [j]);
      return;
    }
    const info = poolInfo.get(j.pool);
    const simple = info && Number.isInteger(j.gpus) && j.gpus >= 1 && j.gpus <= info.pool.gpusPerNode;
    const problem = simple ? null : opportunisticShapeProblem(j, info?.pool, info?.nodes ?? 0);
    if (problem) refusals.push({ job: j.id, reason: problem });
    else levels[submissionOnly ? 0 : priorityRank(j.priority)]!.push(j);
  };
  // Indexed: the queue may be 100k deep, and an iterator costs an object per step where the loop is
  // not optimised (this cycle allocated more in iterator steps than in its decisions).
  const jobs = snapshot.jobs;
  for (let i = 0; i < jobs.length; i++) {
    const j = jobs[i]!;
    if (j.graceMs > lead) lead = j.graceMs;
    if (j.state === "queued") classify(j);
  }
  for (const j of requeued) classify(j);
  for (const r of refusals.sort((a, b) => compareId(a.job, b.job)))
    decisions.push({ kind: "refuse-job", ...r });
  const ownerReservations = [...ownerQueues.keys()]
    .map((id) => state.reservations.get(id)!)
    .sort((a, b) => a.start - b.start || compareId(a.id, b.id));
  // A reservation's waiting jobs matter to borrowers only from its start less the longest grace
  // (lead-time reclaim); until then the cycle just wakes for it.
  for (const r of ownerReservations) {
    if (r.start - lead > now) {
      wake(r.start - lead);
      continue;
    }
    const jobs = ownerQueues
      .get(r.id)!
      .sort((a, b) => a.submittedAt - b.submittedAt || compareId(a.id, b.id));
    planReservationJobs(state, r, jobs, pools.get(r.pool)!.gpusPerNode, now, out);
  }

  // 5. The opportunistic queue.
  planOpportunistic(state, levels, pools, now, config, out);

  return { decisions, nextWakeAt: wakeAt === Number.POSITIVE_INFINITY ? null : wakeAt };
}

/** Why an opportunistic job can never run, or null. */
export function opportunisticShapeProblem(
  job: JobView,
  pool: Pool | undefined,
  poolNodes: number,
): string | null {
  if (!pool) return `unknown pool ${job.pool}`;
  if (!Number.isInteger(job.gpus) || job.gpus < 1) return "a job needs at least one whole GPU";
  if (job.gpus <= pool.gpusPerNode) return null;
  if (job.gpus % pool.gpusPerNode !== 0) {
    return `${job.gpus} GPUs is neither at most one node (${pool.gpusPerNode}) nor whole nodes`;
  }
  if (job.gpus / pool.gpusPerNode > poolNodes) return `pool ${pool.name} has only ${poolNodes} nodes`;
  return null;
}

function planOpportunistic(
  state: CycleState,
  levels: JobView[][],
  pools: ReadonlyMap<string, Pool>,
  now: Millis,
  config: PlanConfig,
  out: { decisions: Decision[]; wake(t: Millis): void },
): void {
  // Cheap bounds per pool so a deep queue on a full cluster costs one comparison per job: capacity
  // only shrinks inside a cycle, so a job that fits neither bound at the start never fits later.
  const maxFree = new Map<string, number>();
  const wholeFree = new Map<string, number>();
  for (const [name, entries] of state.index.poolNodes) {
    let most = 0;
    let whole = 0;
    for (const e of entries) {
      const st = state.nodes.at(e.position)!;
      if (!e.node.up) continue;
      // GPUs of signalled jobs count as free: a job may wait for (and claim) them this cycle.
      const free = popcount(e.full & ~(st.occupied & ~st.pending));
      if (free > most) most = free;
      if (free === e.node.gpus) whole++;
    }
    maxFree.set(name, most);
    wholeFree.set(name, whole);
  }
  // Without preemption a job only ever starts on GPUs free now: no search, no waiting on signals.
  const maxSearches = config.preemption === false ? 0 : config.maxPreemptionSearches;
  // Asked when a priority level opens: room by the start-of-cycle bound, or weaker work to preempt,
  // or signalled GPUs nobody has claimed yet.
  const live = (j: JobView) => {
    const gpn = pools.get(j.pool)!.gpusPerNode;
    const fits = j.gpus <= gpn ? maxFree.get(j.pool)! >= j.gpus : wholeFree.get(j.pool)! >= j.gpus / gpn;
    if (fits) return true;
    return (
      maxSearches > 0 &&
      state.preemptibleBelow(j.pool, priorityRank(j.priority)) + (state.pendingFree.get(j.pool) ?? 0) > 0
    );
  };
  let searches = 0;
  const poolNames = [...pools.keys()];
  const levelLive = (rank: number) =>
    poolNames.some(
      (p) =>
        (state.freeGpus.get(p) ?? 0) > 0 ||
        (searches < maxSearches && state.preemptibleBelow(p, rank) + (state.pendingFree.get(p) ?? 0) > 0),
    );
  // Only the fair order reads the GPUs each team runs; without it every team counts as running none.
  const teamGpus = (config.order ?? "fair") === "fair" ? state.teamGpus : new Map<string, number>();
  const queue = new AdmissionQueue(levels, teamGpus, live, levelLive);
  const noRoom = new Set<string>();
  const noVictims = new Set<string>();
  const victimOrders = new Map<string, VictimOrder>();
  for (let j = queue.next(); j; j = queue.next()) {
    const gpn = pools.get(j.pool)!.gpusPerNode;
    const shapeKey = `${j.pool}|${j.gpus}|${j.graceMs}`;
    if ((state.freeGpus.get(j.pool) ?? 0) >= j.gpus && !noRoom.has(shapeKey)) {
      const masks = placeOpportunistic(state, j, gpn, now);
      if (masks) {
        const lenders = new Set<string>();
        for (const [node, mask] of masks) {
          for (const id of state.lenders(node, mask, now)) lenders.add(id);
          const st = state.nodes.get(node)!;
          // A borrower of slots an owner already waits for must hear a grace period ahead.
          if (st.needMin !== Number.POSITIVE_INFINITY)
            for (let o = 0; o < st.needFrom.length; o++)
              if (mask & (1 << o)) out.wake(st.needFrom[o]! - j.graceMs);
        }
        out.decisions.push({
          kind: "admit",
          job: j.id,
          placement: placementOf(masks),
          reservation: null,
          lentFrom: [...lenders].sort(compareId),
        });
        state.markAdmitted(j, masks);
        continue;
      }
      noRoom.add(shapeKey);
    }
    // Worth a search only while weaker work runs, or signalled GPUs wait unclaimed, in the pool.
    if (searches >= maxSearches) continue;
    const weaker = state.preemptibleBelow(j.pool, priorityRank(j.priority));
    if (weaker + (state.pendingFree.get(j.pool) ?? 0) === 0) continue;
    const victimKey = `${shapeKey}|${j.priority}`;
    if (noVictims.has(victimKey)) continue;
    searches++;
    let order = victimOrders.get(j.pool);
    if (!order) {
      order = new VictimOrder(state, j.pool);
      victimOrders.set(j.pool, order);
    }
    const target = findPreemptionTarget(state, j, gpn, now, order);
    if (!target) {
      noVictims.add(victimKey);
      continue;
    }
    for (const [node, mask] of target.masks) state.claim(node, mask);
    for (const v of target.victims.sort((a, b) => compareId(a.view.id, b.view.id))) {
      const stopAt = now + v.view.graceMs;
      out.decisions.push({ kind: "signal", job: v.view.id, reason: "priority", stopAt, by: j.id });
      state.markSignalled(v, stopAt);
      out.wake(stopAt);
    }
  }
}
