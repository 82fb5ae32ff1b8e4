// The metrics of docs/rules.md §3, computed from the simulation log. Seconds throughout; null where
// there is nothing to measure. Each definition is also written out in the README.
import { PRIORITIES, type Priority } from "../core/types.ts";
import type { SimulationLog } from "./simulator.ts";
import type { SimJob, Workload } from "./workload.ts";

export interface Metrics {
  gpuUtilization: number | null;
  goodput: number | null;
  reservedOnTime: number | null;
  queueDelay: Partial<Record<Priority, { p50: number | null; p95: number | null }>>;
  preemptions: number;
  lostGpuHours: number;
  displaced: number;
  refusedReservations: number;
  refusedJobs: number;
  makespan: number | null;
  deadlineHits: number | null;
}

/** Nearest-rank percentile of sorted values. */
export function nearestRank(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/** Rounded to a millisecond's worth of precision so float noise never differs between runs. */
const round = (x: number) => Math.round(x * 1e6) / 1e6;

export function computeMetrics(w: Workload, log: SimulationLog): Metrics {
  const { events } = log;
  // Plain loops, not Math.min(...xs): a tenfold trace has more events than a call has room for arguments.
  let first: number | null = null;
  for (const j of w.jobs) if (first === null || j.submitAt < first) first = j.submitAt;
  for (const r of w.reservations) if (first === null || r.start < first) first = r.start;
  let last: number | null = null;
  for (const e of events) if (last === null || e.t > last) last = e.t;
  let heldGpuMs = 0;
  let usefulGpuMs = 0;
  let lostGpuMs = 0;
  for (const j of log.jobs.values()) {
    heldGpuMs += j.heldGpuMs;
    lostGpuMs += j.lostGpuMs;
    if (j.state === "finished") usefulGpuMs += j.spec.durationMs * j.spec.gpus;
  }
  const spanMs = first !== null && last !== null ? last - first : 0;
  const gpuUtilization = spanMs > 0 && log.totalGpus > 0 ? round(heldGpuMs / (log.totalGpus * spanMs)) : null;
  const goodput = heldGpuMs > 0 ? round(usefulGpuMs / heldGpuMs) : null;

  // Reserved on time: reservations that still held their slots at their start and have a job; the
  // first job due on them must start on their slots within one cycle (0 here) plus the largest
  // grace of the workload's jobs (the borrowers' grace it may have to wait for).
  const maxGrace = w.jobs.reduce((m, j) => Math.max(m, j.graceMs), 0);
  const firstOwnerAdmit = new Map<string, number>();
  for (const e of events) {
    if (e.type === "admit" && e.reservation && !firstOwnerAdmit.has(e.reservation))
      firstOwnerAdmit.set(e.reservation, e.t);
  }
  const byReservation = new Map<string, SimJob[]>();
  for (const j of w.jobs) {
    if (j.reservation === null) continue;
    const list = byReservation.get(j.reservation);
    if (list) list.push(j);
    else byReservation.set(j.reservation, [j]);
  }
  let held = 0;
  let onTime = 0;
  for (const r of log.reservations.values()) {
    if (r.state === "displaced" || r.state === "cancelled") continue;
    const own = (byReservation.get(r.id) ?? []).filter((j) => j.submitAt < r.end);
    if (own.length === 0) continue;
    held++;
    let due = Number.POSITIVE_INFINITY;
    for (const j of own) due = Math.min(due, Math.max(j.submitAt, r.start));
    const started = firstOwnerAdmit.get(r.id);
    if (started !== undefined && started - due <= maxGrace) onTime++;
  }
  const reservedOnTime = held > 0 ? round(onTime / held) : null;

  const queueDelay: Metrics["queueDelay"] = {};
  for (const p of PRIORITIES) {
    const mine = [...log.jobs.values()].filter((j) => j.spec.priority === p);
    if (mine.length === 0) continue;
    const delays = mine
      .filter((j) => j.firstAdmitAt !== null)
      .map((j) => (j.firstAdmitAt! - j.spec.submitAt) / 1000)
      .sort((a, b) => a - b);
    queueDelay[p] = { p50: nearestRank(delays, 50), p95: nearestRank(delays, 95) };
  }

  let lastFinish: number | null = null;
  for (const j of log.jobs.values())
    if (j.finishedAt !== null && (lastFinish === null || j.finishedAt > lastFinish))
      lastFinish = j.finishedAt;
  const makespan = lastFinish !== null && first !== null ? round((lastFinish - first) / 1000) : null;
  const withDeadline = [...log.jobs.values()].filter((j) => j.spec.deadline !== null);
  const deadlineHits =
    withDeadline.length > 0
      ? round(
          withDeadline.filter((j) => j.finishedAt !== null && j.finishedAt <= j.spec.deadline!).length /
            withDeadline.length,
        )
      : null;

  return {
    gpuUtilization,
    goodput,
    reservedOnTime,
    queueDelay,
    preemptions: events.filter((e) => e.type === "preempt").length,
    lostGpuHours: round(lostGpuMs / 3_600_000),
    displaced: events.filter((e) => e.type === "displace").length,
    refusedReservations: log.refusedReservations.size,
    refusedJobs: events.filter((e) => e.type === "refuse" && e.job !== undefined).length,
    makespan,
    deadlineHits,
  };
}
