// Discrete-event executor: replays a workload through the real core. It books reservations at their
// `bookedAt` with `decideBooking`, and calls `plan` at every event time and at the wake-up times the
// core asks for, acting on its decisions as a real executor would. Only this executor reads job
// durations: jobs run for their duration unless stopped, progress accrues while they hold GPUs
// (grace included), and a stopped job resumes from its last checkpoint (or where it stopped when it
// saves on signal).
import { decideBooking } from "../core/booking.ts";
import { holdsSlots } from "../core/capacity.ts";
import { plan } from "../core/plan.ts";
import type { Decision, JobSignal, JobView } from "../core/snapshot.ts";
import type { GpuNode, Inventory, Millis, Placement, Reservation } from "../core/types.ts";
import { type Policy, policyOf } from "./policies.ts";
import type { SimEventRecord } from "./sim-events.ts";
import type { SimJob, Workload } from "./workload.ts";

export interface JobRun {
  readonly spec: SimJob;
  state: "waiting" | "queued" | "running" | "finished" | "refused";
  attempts: number;
  /** Progress when the current run started (the resume point). */
  resumeFrom: Millis;
  startedAt: Millis;
  placement: Placement;
  runsOn: string | null;
  signal: JobSignal | null;
  firstAdmitAt: Millis | null;
  finishedAt: Millis | null;
  /** GPU-milliseconds held over all runs. */
  heldGpuMs: number;
  /** GPU-milliseconds of progress thrown away by stops. */
  lostGpuMs: number;
}

export interface SimulationLog {
  readonly events: SimEventRecord[];
  readonly jobs: ReadonlyMap<string, JobRun>;
  /** Booked reservations as they ended up (refused ones are absent). */
  readonly reservations: ReadonlyMap<string, Reservation>;
  readonly refusedReservations: ReadonlySet<string>;
  readonly totalGpus: number;
}

/** Guards against a planner that keeps freeing GPUs at one instant without end. */
const MAX_PLANS_PER_INSTANT = 50;

export interface SimulationOptions {
  /**
   * Ask the core at every instant, even where nothing it decides on changed (only finishes, no job
   * waiting, no wake-up due). Off by default; tests use it to show that skipping such instants
   * changes nothing.
   */
  readonly everyInstant?: boolean;
}

export function runSimulation(
  w: Workload,
  policy: Policy = policyOf("berth"),
  options: SimulationOptions = {},
): SimulationLog {
  const nodes: GpuNode[] = w.pools.flatMap((p) =>
    Array.from({ length: p.nodes }, (_, i) => ({
      name: `${p.name}-${i}`,
      pool: p.name,
      gpus: p.gpusPerNode,
      up: true,
    })),
  );
  const pools = w.pools.map((p) => ({
    name: p.name,
    product: p.product,
    computeCapability: p.computeCapability,
    gpusPerNode: p.gpusPerNode,
  }));
  let inventory: Inventory = { pools, nodes: [...nodes] };
  const reservations = new Map<string, Reservation>();
  /**
   * The reservations the core is shown (those holding slots, or with a job still on them), kept
   * until a reservation or an owner job's run changes: rebuilding it per cycle was a pass over
   * thousands of reservations at every instant of a tenfold replay.
   */
  let shown: Reservation[] | null = null;
  const setReservation = (id: string, r: Reservation) => {
    reservations.set(id, r);
    shown = null;
  };
  const refusedReservations = new Set<string>();
  const events: SimEventRecord[] = [];
  const jobs = new Map<string, JobRun>();
  for (const spec of w.jobs) {
    jobs.set(spec.id, {
      spec,
      state: "waiting",
      attempts: 0,
      resumeFrom: 0,
      startedAt: 0,
      placement: [],
      runsOn: null,
      signal: null,
      firstAdmitAt: null,
      finishedAt: null,
      heldGpuMs: 0,
      lostGpuMs: 0,
    });
  }
  const byTimeThenId =
    <T extends { id: string }>(key: (x: T) => number) =>
    (a: T, b: T) =>
      key(a) - key(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  // A policy that does not book ignores reservations: their jobs are ordinary work at their priority.
  const bookings = policy.books ? [...w.reservations].sort(byTimeThenId((r) => r.bookedAt)) : [];
  const reservationOf = (j: JobRun) => (policy.books ? j.spec.reservation : null);
  const submissions = [...w.jobs].sort(byTimeThenId((j) => j.submitAt));
  // Same instant, same node: "up" before "down", so a node reported down at an instant is down.
  const nodeEvents = [...w.nodeEvents].sort(
    (a, b) =>
      a.t - b.t ||
      (a.node < b.node ? -1 : a.node > b.node ? 1 : a.type === b.type ? 0 : a.type === "up" ? -1 : 1),
  );
  let nb = 0;
  let ns = 0;
  let ne = 0;
  const active = new Map<string, JobRun>(); // queued or running, in submission order
  const running = new Set<JobRun>(); // the running subset: the only ones with times of their own
  /** Queued jobs' views do not change while they wait: built once per wait. */
  const queuedViews = new Map<string, JobView>();
  let open = w.jobs.length; // not yet finished or refused
  let wakeAt: Millis | null = null;
  const heldBack: JobRun[] = [];
  const decided = (id: string) => reservations.has(id) || refusedReservations.has(id);
  let lastT = Number.NEGATIVE_INFINITY;

  const finishAt = (j: JobRun) => j.startedAt + j.spec.durationMs - j.resumeFrom;
  const progressAt = (j: JobRun, t: Millis) => j.resumeFrom + (t - j.startedAt);
  const checkpointOf = (j: JobRun, progress: number) =>
    j.spec.checkpointEveryMs > 0
      ? Math.floor(progress / j.spec.checkpointEveryMs) * j.spec.checkpointEveryMs
      : 0;

  const stopJob = (j: JobRun, t: Millis) => {
    const sig = j.signal!;
    const progress = progressAt(j, t);
    const resume = j.spec.saveOnSignal ? progress : checkpointOf(j, progress);
    j.heldGpuMs += (t - j.startedAt) * j.spec.gpus;
    j.lostGpuMs += (progress - resume) * j.spec.gpus;
    const preempt = sig.reason === "priority" || sig.reason === "reclaim";
    events.push({
      t,
      type: preempt ? "preempt" : "stop",
      job: j.spec.id,
      ...(j.runsOn ? { reservation: j.runsOn } : {}),
      ...(sig.by !== undefined ? { by: sig.by } : {}),
      reason: sig.reason,
      signalledAt: sig.at,
    });
    j.resumeFrom = resume;
    j.attempts++;
    j.state = "queued";
    running.delete(j);
    if (j.runsOn !== null) shown = null;
    j.signal = null;
    j.placement = [];
    j.runsOn = null;
  };

  const viewOf = (j: JobRun, t: Millis): JobView => {
    if (j.state !== "running") {
      const cached = queuedViews.get(j.spec.id);
      if (cached) return cached;
    }
    const base = {
      id: j.spec.id,
      team: j.spec.team,
      pool: j.spec.pool,
      gpus: j.spec.gpus,
      priority: j.spec.priority,
      reservation: reservationOf(j),
      submittedAt: j.spec.submitAt,
      graceMs: j.spec.graceMs,
      attempts: j.attempts,
    };
    if (j.state !== "running") {
      const v: JobView = { ...base, state: "queued" };
      queuedViews.set(j.spec.id, v);
      return v;
    }
    const progress = progressAt(j, t);
    return {
      ...base,
      state: "running",
      placement: j.placement,
      runsOn: j.runsOn,
      ...(j.signal ? { signal: j.signal } : {}),
      workSinceCheckpointMs: j.spec.saveOnSignal ? 0 : progress - checkpointOf(j, progress),
    };
  };

  const apply = (d: Decision, t: Millis): boolean => {
    switch (d.kind) {
      case "reservation-state": {
        const r = reservations.get(d.reservation)!;
        setReservation(r.id, { ...r, state: d.state });
        return false;
      }
      case "replace": {
        const r = reservations.get(d.reservation)!;
        setReservation(r.id, { ...r, placement: d.placement });
        events.push({ t, type: "replace", reservation: r.id, placement: d.placement, reason: d.reason });
        return false;
      }
      case "displace": {
        const r = reservations.get(d.reservation)!;
        setReservation(r.id, { ...r, state: "displaced" });
        events.push({ t, type: "displace", reservation: r.id, reason: d.reason });
        return false;
      }
      case "refuse-job": {
        const j = jobs.get(d.job)!;
        j.state = "refused";
        active.delete(j.spec.id);
        queuedViews.delete(j.spec.id);
        open--;
        events.push({ t, type: "refuse", job: j.spec.id, reason: d.reason });
        return false;
      }
      case "signal": {
        const j = jobs.get(d.job)!;
        j.signal = { reason: d.reason, at: t, stopAt: d.stopAt, ...(d.by !== undefined ? { by: d.by } : {}) };
        // Progress accrues during grace: a job that completes first simply finishes.
        if (d.stopAt <= t && finishAt(j) > t) {
          stopJob(j, t);
          return true;
        }
        return false;
      }
      case "admit": {
        const j = jobs.get(d.job)!;
        j.state = "running";
        running.add(j);
        queuedViews.delete(j.spec.id);
        j.startedAt = t;
        j.placement = d.placement;
        j.runsOn = d.reservation;
        if (d.reservation !== null) shown = null;
        j.firstAdmitAt ??= t;
        events.push({
          t,
          type: "admit",
          job: j.spec.id,
          placement: d.placement,
          ...(d.reservation ? { reservation: d.reservation } : {}),
          ...(d.lentFrom.length > 0 ? { lentFrom: d.lentFrom } : {}),
        });
        return false;
      }
    }
  };

  while (open > 0) {
    // The next instant anything happens.
    let t = Number.POSITIVE_INFINITY;
    if (nb < bookings.length) t = Math.min(t, bookings[nb]!.bookedAt);
    if (ns < submissions.length) t = Math.min(t, submissions[ns]!.submitAt);
    if (ne < nodeEvents.length) t = Math.min(t, nodeEvents[ne]!.t);
    for (const j of running) {
      t = Math.min(t, finishAt(j));
      if (j.signal) t = Math.min(t, j.signal.stopAt);
    }
    if (wakeAt !== null && wakeAt > lastT) t = Math.min(t, wakeAt);
    if (t === Number.POSITIVE_INFINITY) break; // nothing left can happen: some jobs never ran
    lastT = t;

    // Whether anything the core decides on changed at this instant besides GPUs freed by finishes.
    let changed = false;
    // a) finishes, b) stops at their stop time.
    for (const j of [...running]) {
      if (finishAt(j) <= t) {
        j.heldGpuMs += (t - j.startedAt) * j.spec.gpus;
        j.state = "finished";
        j.finishedAt = t;
        active.delete(j.spec.id);
        running.delete(j);
        if (j.runsOn !== null) shown = null;
        open--;
        events.push({ t, type: "finish", job: j.spec.id });
      } else if (j.signal && j.signal.stopAt <= t) {
        stopJob(j, t);
        changed = true;
      }
    }
    // c) node events.
    let nodesChanged = false;
    while (ne < nodeEvents.length && nodeEvents[ne]!.t <= t) {
      const e = nodeEvents[ne++]!;
      const i = nodes.findIndex((n) => n.name === e.node);
      nodes[i] = { ...nodes[i]!, up: e.type === "up" };
      nodesChanged = true;
    }
    if (nodesChanged) {
      inventory = { pools, nodes: [...nodes] };
      changed = true;
    }
    // d) bookings, under the booking rules, in time order.
    while (nb < bookings.length && bookings[nb]!.bookedAt <= t) {
      const b = bookings[nb++]!;
      changed = true;
      const teamQuota = w.quotas?.[b.team];
      const decision = decideBooking({
        inventory,
        reservations: [...reservations.values()],
        request: b,
        now: t,
        rules: w.rules,
        quota: teamQuota ? { gpuHoursPerWeek: teamQuota } : null,
      });
      if (!decision.ok) {
        refusedReservations.add(b.id);
        const reason =
          decision.code === "invalid"
            ? `invalid: ${decision.errors.map((e) => `${e.field}: ${e.message}`).join("; ")}`
            : decision.code;
        events.push({ t, type: "refuse", reservation: b.id, reason });
        continue;
      }
      for (const v of decision.displaced) {
        const r = reservations.get(v.id)!;
        setReservation(v.id, { ...r, state: "displaced" });
        events.push({ t, type: "displace", reservation: v.id, by: b.id });
      }
      const { bookedAt: _b, ...rest } = b;
      setReservation(b.id, {
        ...rest,
        bookedAt: b.bookedAt,
        state: "confirmed",
        placement: decision.placement,
      });
      events.push({ t, type: "book", reservation: b.id, placement: decision.placement });
    }
    // e) submissions. A job naming a reservation whose booking is still to come waits for that
    // decision (it is meant for those slots; if the booking is refused it runs opportunistically).
    while (ns < submissions.length && submissions[ns]!.submitAt <= t) {
      const j = jobs.get(submissions[ns++]!.id)!;
      j.state = "queued";
      changed = true;
      const r = reservationOf(j);
      if (r !== null && !decided(r)) heldBack.push(j);
      else active.set(j.spec.id, j);
    }
    for (let i = heldBack.length - 1; i >= 0; i--) {
      const j = heldBack[i]!;
      if (decided(reservationOf(j)!)) {
        heldBack.splice(i, 1);
        active.set(j.spec.id, j);
      }
    }
    // f) the core decides; GPUs freed at this instant (immediate stops) get a second look. Where
    // only finishes happened, no job waits and no wake-up is due, it would decide nothing: a replay
    // of a lightly loaded trace skips most instants so (a cycle costs a pass over every node).
    const waiting = active.size - running.size;
    const due = wakeAt !== null && wakeAt <= t;
    if (!options.everyInstant && !changed && waiting === 0 && !due) continue;
    // Reservations that no longer hold slots matter only while a job still runs on them (it is
    // stopped, signalled, then requeued): the rest stay out of the snapshot, as a service would
    // leave long-ended bookings out of its own.
    for (let i = 0; i < MAX_PLANS_PER_INSTANT; i++) {
      if (shown === null) {
        const runningOn = new Set<string>();
        for (const j of running) if (j.runsOn !== null) runningOn.add(j.runsOn);
        shown = [];
        for (const r of reservations.values()) if (holdsSlots(r) || runningOn.has(r.id)) shown.push(r);
      }
      const result = plan(
        {
          inventory,
          reservations: shown,
          jobs: [...active.values()].map((j) => viewOf(j, t)),
        },
        t,
        policy.plan,
      );
      wakeAt = result.nextWakeAt;
      let freed = false;
      for (const d of result.decisions) freed = apply(d, t) || freed;
      if (!freed) break;
    }
  }

  const totalGpus = nodes.reduce((s, n) => s + n.gpus, 0);
  return { events, jobs, reservations, refusedReservations, totalGpus };
}
