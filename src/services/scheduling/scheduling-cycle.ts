// One scheduling cycle (docs/architecture.md, "A scheduling tick"): 1 snapshot -> 2 plan (the core) -> 3 persist every decision
// as an intent together with the state it implies, in one transaction -> 4 apply (executor) -> 5
// confirm. A crash between 3 and 5 leaves intents that step 0 of the next cycle re-applies;
// launches are idempotent per (job, attempt), so nothing runs twice (docs/rules.md §2, invariant 4).
// Nothing here may stop the loop for good: an intent whose job has moved on is dropped, a launch
// that fails is recorded on its job (launch-failures.ts), and decisions the database refuses are
// planned again on a fresh snapshot.
import type { Transaction } from "kysely";
import { toReservation } from "../../adapters/db/mappers.ts";
import { appendAudit } from "../../adapters/db/repos/audit.ts";
import {
  insertDecision,
  listPendingDecisions,
  markDecisionsApplied,
} from "../../adapters/db/repos/decisions.ts";
import { appendEvent } from "../../adapters/db/repos/events.ts";
import { loadInventory } from "../../adapters/db/repos/inventory.ts";
import {
  clearJobAttemptSource,
  getJobAttempt,
  insertJobAttempt,
} from "../../adapters/db/repos/job-attempts.ts";
import {
  admitQueuedJob,
  earliestJobRetry,
  failRefusedJob,
  getJobLaunchFields,
  listJobRowsHoldingGpus,
  listLiveJobRows,
  lockJobRow,
  releaseCancelledRun,
  requeueJob,
  setJobReason,
  setJobSignal,
} from "../../adapters/db/repos/jobs.ts";
import {
  completeReservation,
  endReservation,
  getReservationRow,
  loadCycleReservationRows,
  lockReservationRows,
  markReservationStarted,
  moveReservation,
} from "../../adapters/db/repos/reservations.ts";
import type { Database, JobRow, ReservationRow } from "../../adapters/db/tables.ts";
import { DomainError } from "../../basics/domain-error.ts";
import {
  type BookingRules,
  type Decision,
  gpuHoursAhead,
  type JobView,
  lostGpuHours,
  plan,
  type Snapshot,
} from "../../core/index.ts";
import { poolUsage, type Usage } from "../../core/pool-usage.ts";
import type { Millis, Placement, Priority, Reservation } from "../../core/types.ts";
import type { ServiceContext } from "../context.ts";
import type { Executor, KubectlJobRef } from "../ports.ts";
import { offerAlternative } from "./alternative-offer.ts";
import { endRunAttempt } from "./executor-events.ts";
import type { JobKindSettings } from "./job-kinds/job-kind.ts";
import { recordFailedLaunch } from "./launch-failures.ts";
import { DEFAULT_KIND_SETTINGS, kubectlRefOf, launchOrderOf } from "./launch-order.ts";

export interface CycleDeps {
  readonly ctx: ServiceContext;
  readonly executor: Executor;
  readonly onDecision?: (kind: string) => void;
  /** What job kinds need from the deployment (BERTH_IMAGE, embedded mode); defaults otherwise. */
  readonly kinds?: JobKindSettings;
  /** How long each numbered step of the cycle took (metrics; slow steps are logged). */
  readonly onStep?: (step: CycleStep, seconds: number) => void;
  /** What the cycle's snapshot says about each pool now (gauges). */
  readonly onUsage?: (usage: Usage) => void;
  /** Launches (and stops) sent at once; APPLY_CONCURRENCY when absent (BERTH_APPLY_CONCURRENCY). */
  readonly applyConcurrency?: number;
  /** Per node, GPUs held by pods Berth does not manage (the pod watch's count; none without it). */
  readonly foreignGpus?: () => ReadonlyMap<string, number>;
}

/** The cycle's steps, numbered as they run. */
export type CycleStep = "1-reapply" | "2-snapshot" | "3-plan" | "4-persist" | "5-apply";

/** A step slower than this is logged with its duration. */
const SLOW_STEP_SECONDS = 1;

async function timed<T>(deps: CycleDeps, step: CycleStep, work: () => Promise<T> | T): Promise<T> {
  const started = performance.now();
  try {
    return await work();
  } finally {
    const seconds = (performance.now() - started) / 1000;
    deps.onStep?.(step, seconds);
    if (seconds >= SLOW_STEP_SECONDS) deps.ctx.logger.warn({ step, seconds }, "slow scheduling step");
  }
}

/** Stored rows as the core sees them: `started_at` tells whether the start was already handled. */
function asCoreReservation(row: ReservationRow, now: Millis): Reservation {
  const r = toReservation(row, now);
  if (row.state !== "confirmed") return r;
  return { ...r, state: row.started_at ? "active" : "confirmed" };
}

function asJobView(row: JobRow): JobView {
  const base = {
    id: row.id,
    team: row.team,
    pool: row.pool,
    gpus: row.gpus,
    priority: row.priority as Priority,
    reservation: row.reservation_id,
    submittedAt: row.submitted_at.getTime(),
    graceMs: row.grace_seconds * 1000,
    attempts: row.attempts,
  };
  if (row.state === "queued") return { ...base, state: "queued" };
  // A cancelled run that has not stopped yet is a signalled one: its GPUs stay taken until it stops.
  const signal =
    row.signal ??
    (row.state === "cancelled"
      ? { reason: "cancelled" as const, at: row.updated_at.getTime(), stopAt: row.updated_at.getTime() }
      : null);
  return {
    ...base,
    state: "running",
    placement: (row.placement ?? []) as Placement,
    runsOn: row.runs_on,
    ...(signal ? { signal } : {}),
  };
}

/**
 * How far ahead of now the cycle reads reservations (at least; more when a job's grace is longer).
 * A reservation that starts later changes none of the cycle's decisions until then: it is not
 * active, no owner job of it is due, and its GPUs are free to lend. Reading every future booking
 * on every tick made the safety tick the slowest thing in the process (BENCHMARKS.md).
 */
export const CYCLE_HORIZON_MS = 2 * 24 * 3_600_000;

export async function loadSnapshot(ctx: ServiceContext, now: Millis): Promise<Snapshot> {
  const inventory = await loadInventory(ctx.db);
  const jobRows = await listLiveJobRows(ctx.db);
  // Reservations jobs run on or belong to are read whatever their start (an owner job must never
  // look opportunistic), and so are the future bookings on down nodes (they are re-placed now).
  const referenced = [
    ...new Set(jobRows.flatMap((j) => [j.runs_on, j.reservation_id]).filter((x): x is string => x !== null)),
  ];
  const longestGraceMs = Math.max(0, ...jobRows.map((j) => j.grace_seconds * 1000));
  const down = inventory.nodes.filter((n) => !n.up).map((n) => n.name);
  let resRows = await loadCycleReservationRows(ctx.db, {
    startsBefore: now + Math.max(CYCLE_HORIZON_MS, 2 * longestGraceMs),
    ids: referenced,
    downNodes: down,
  });
  const inMaintenance = maintenanceNodes(resRows, now);
  const lostNodes = new Set([...down, ...inMaintenance]);
  // Node loss re-places reservations onto other nodes for their whole window: the core must see
  // every booking of those pools that the window overlaps, however far ahead it starts, or its
  // re-placement lands on slots the database already gave away.
  const lost = resRows.filter((r) => r.kind === "booking" && r.placement.some((p) => lostNodes.has(p.node)));
  if (lost.length > 0) {
    const extra = await loadCycleReservationRows(ctx.db, {
      startsBefore: Math.max(...lost.map((r) => r.end_at.getTime())),
      ids: [],
      downNodes: [],
      pools: [...new Set(lost.map((r) => r.pool))],
    });
    const seen = new Set(resRows.map((r) => r.id));
    resRows = [...resRows, ...extra.filter((r) => !seen.has(r.id))];
  }
  return {
    inventory: {
      pools: inventory.pools,
      nodes: inventory.nodes.map((n) => (inMaintenance.has(n.name) ? { ...n, up: false } : n)),
    },
    reservations: resRows
      .filter((r) => r.kind !== "maintenance" || (lost.length > 0 && isBlocker(r, lostNodes)))
      .map((r) => asCoreReservation(r, now)),
    // A job waiting out a launch backoff is not planned until then (runCycle wakes for it).
    jobs: jobRows.filter((j) => !(j.retry_at && j.retry_at.getTime() > now)).map(asJobView),
  };
}

/**
 * A maintenance window takes its node out while it is active: the core sees the node as lost
 * (reservations on it are re-placed or displaced, jobs on it stopped), and never sees the active
 * window itself as a reservation (its idle slots must not be lent).
 */
function maintenanceNodes(rows: readonly ReservationRow[], now: Millis): Set<string> {
  return new Set(
    rows
      .filter((r) => r.kind === "maintenance" && r.start_at.getTime() <= now && now < r.end_at.getTime())
      .flatMap((r) => r.placement.map((p) => p.node)),
  );
}

/**
 * While reservations are re-placed after a node loss, a future maintenance window on a node that is
 * up is shown to the core as a booking, so nothing is re-placed onto it. (One on a lost node would
 * be re-placed itself: those stay out.)
 */
function isBlocker(r: ReservationRow, lostNodes: ReadonlySet<string>): boolean {
  return r.kind === "maintenance" && !r.placement.some((p) => lostNodes.has(p.node));
}

interface Intent {
  readonly id: string;
  readonly decision: Decision;
  /** For admits: the attempt number the launch carries. */
  readonly attempt?: number;
}

/** A reservation the decision names, which the cycle has just read: gone is a broken invariant. */
async function decidedReservation(trx: Transaction<Database>, id: string): Promise<ReservationRow> {
  const row = await getReservationRow(trx, id);
  if (!row) throw new Error(`reservation ${id} vanished under the cycle's decision`);
  return row;
}

async function persist(
  trx: Transaction<Database>,
  d: Decision,
  now: Millis,
  rules: BookingRules,
): Promise<number | undefined> {
  switch (d.kind) {
    case "reservation-state": {
      if (d.state === "active") {
        const r = await markReservationStarted(trx, d.reservation, now);
        if (r)
          await appendEvent(trx, now, "reservation.started", r.team, {
            reservation: d.reservation,
            team: r.team,
            pool: r.pool,
            placement: r.placement,
          });
      } else {
        const team = await completeReservation(trx, d.reservation);
        if (team !== undefined)
          await appendEvent(trx, now, "reservation.ended", team, {
            reservation: d.reservation,
            team,
            reason: "completed",
          });
      }
      return undefined;
    }
    case "replace": {
      const row = await decidedReservation(trx, d.reservation);
      await moveReservation(trx, row, d.placement);
      await appendAudit(trx, {
        at: now,
        actor: "berth",
        action: "replace",
        team: row.team,
        reservationId: d.reservation,
        reason: d.reason,
        detail: { from: row.placement, to: d.placement },
      });
      await appendEvent(trx, now, "reservation.replaced", row.team, {
        reservation: d.reservation,
        team: row.team,
        pool: row.pool,
        reason: d.reason,
        from: row.placement,
        placement: d.placement,
      });
      return undefined;
    }
    case "displace": {
      const row = await decidedReservation(trx, d.reservation);
      const alternative = await offerAlternative(trx, rules, row, now);
      await endReservation(trx, d.reservation, "displaced", now, { reason: d.reason, alternative });
      const lost = gpuHoursAhead(
        { nodes: row.nodes, gpusPerNode: row.gpus_per_node },
        { start: row.start_at.getTime(), end: row.end_at.getTime() },
        now,
      );
      await appendAudit(trx, {
        at: now,
        actor: "berth",
        action: "displace",
        team: row.team,
        reservationId: d.reservation,
        reason: d.reason,
        lostGpuHours: lost,
        detail: { alternative },
      });
      await appendEvent(trx, now, "reservation.displaced", row.team, {
        reservation: d.reservation,
        team: row.team,
        reason: d.reason,
        alternative,
      });
      return undefined;
    }
    case "refuse-job": {
      const team = await failRefusedJob(trx, d.job, now);
      if (team !== undefined)
        await appendEvent(trx, now, "job.failed", team, { job: d.job, team, reason: d.reason });
      return undefined;
    }
    case "signal": {
      const signal = { reason: d.reason, at: now, stopAt: d.stopAt, ...(d.by ? { by: d.by } : {}) };
      const j = await setJobSignal(trx, d.job, signal, now);
      // A run stopped because its node was lost says so on the job (docs/rules.md §5).
      if (d.reason === "node-lost") {
        const nodes = (j.placement ?? []).map((p) => p.node).join(", ");
        await setJobReason(trx, d.job, `node lost: ${nodes}; the run is stopped and the job requeued`, now);
      }
      // Stopped at this very instant (node lost, window already over): the core requeued it within
      // this cycle (plan.ts, step 3) and may admit it again below, so it is requeued here too; the
      // stop still goes to this attempt's run (apply), whose late report changes nothing.
      if (d.stopAt <= now) {
        const row = await lockJobRow(trx, d.job);
        if (row) await endRunAttempt(trx, row, d.reason === "window-end" ? "stopped" : "preempted", now);
        await requeueJob(trx, d.job, now);
        await appendEvent(trx, now, "job.preempted", j.team, {
          job: d.job,
          team: j.team,
          attempt: j.attempts,
          reason: d.reason,
          signalledAt: new Date(now).toISOString(),
        });
      }
      // The work this stop throws away (a cancellation is its owner's choice, not a loss Berth causes).
      // No checkpoint times of running jobs are recorded, so the loss counts from the run's start.
      const run = d.reason === "cancelled" ? undefined : await getJobAttempt(trx, d.job, j.attempts);
      await appendAudit(trx, {
        at: now,
        actor: "berth",
        action: "signal",
        team: j.team,
        jobId: d.job,
        reason: d.reason,
        ...(run
          ? {
              lostGpuHours: lostGpuHours(j.gpus, {
                startedAt: run.started_at.getTime(),
                lastCheckpointAt: null,
                stopsAt: d.stopAt,
              }),
            }
          : {}),
        detail: signal,
      });
      return j.attempts;
    }
    case "admit": {
      const j = await admitQueuedJob(trx, {
        job: d.job,
        placement: d.placement,
        reservation: d.reservation,
        lentFrom: d.lentFrom,
        at: now,
      });
      await insertJobAttempt(trx, {
        job: d.job,
        attempt: j.attempts,
        placement: d.placement,
        lentFrom: d.lentFrom,
        at: now,
      });
      await appendEvent(trx, now, "job.admitted", j.team, {
        job: d.job,
        team: j.team,
        attempt: j.attempts,
        placement: d.placement,
        reservation: d.reservation,
        lentFrom: d.lentFrom,
      });
      return j.attempts;
    }
  }
}

/**
 * Tells the executor about one intent. True when the intent is done with: applied, recorded as a
 * failed launch, or stale (its job has left the attempt it was for: cancelled before its launch,
 * failed, requeued); false when it must be sent again (the cluster did not answer).
 */
async function apply(deps: CycleDeps, intent: Intent, now: Millis): Promise<boolean> {
  const d = intent.decision;
  if (d.kind !== "admit" && d.kind !== "signal") return true;
  const job = await getJobLaunchFields(deps.ctx.db, d.job);
  if (!job) return true;
  // A stop is for one attempt's run: Berth's own Job of that attempt is stopped even when the job
  // has moved on (requeued at once, admitted again), and stopping a stopped run does nothing. A
  // kubectl user's Job is one Job for every attempt: only the attempt that still holds it stops it.
  if (d.kind === "signal" && !kubectlRefOf(job)) return stopRun(deps, d, intent, job.team, now);
  if (job.attempts !== intent.attempt) return true;
  if (d.kind === "admit") {
    if (job.state !== "admitted" && job.state !== "running") return true;
    try {
      await deps.executor.launch(
        await launchOrderOf(
          deps.ctx,
          {
            job: d.job,
            attempt: intent.attempt,
            kind: job.kind,
            team: job.team,
            pool: job.pool,
            priority: job.priority,
            reservation: job.reservation_id,
            spec: job.spec,
            placement: d.placement,
            kubectl: kubectlRefOf(job),
          },
          deps.kinds,
        ),
      );
      return true;
    } catch (err) {
      return recordFailedLaunch(deps.ctx, d.job, intent.attempt, err, now);
    }
  }
  if (job.placement === null) return true; // stopped already
  return stopRun(deps, d, intent, job.team, now, kubectlRefOf(job));
}

/** Sends one stop; false when it must be sent again (the cluster did not answer). */
async function stopRun(
  deps: CycleDeps,
  d: Decision & { kind: "signal" },
  intent: Intent,
  team: string,
  now: Millis,
  kubectl?: KubectlJobRef,
): Promise<boolean> {
  try {
    await deps.executor.stop(d.job, intent.attempt ?? 0, Math.max(now, d.stopAt), team, kubectl);
    return true;
  } catch (err) {
    deps.ctx.logger.warn({ err, job: d.job }, "stop not sent; it is sent again on the next tick");
    return false;
  }
}

/**
 * Launches and stops sent to the executor at once by default: each is a round trip to the
 * cluster (bench/launch compares 1 and 16 at a time).
 */
export const APPLY_CONCURRENCY = 16;

/**
 * Applies intents (one failing never holds up the others) and confirms those done. Stops go out
 * before launches, so GPUs being freed are asked back first; within each, up to the apply
 * concurrency at a time (intents of one cycle are for distinct runs, and each is idempotent).
 */
async function applyAll(deps: CycleDeps, intents: readonly Intent[], now: Millis): Promise<void> {
  const done: string[] = [];
  const stops = intents.filter((i) => i.decision.kind !== "admit");
  const launches = intents.filter((i) => i.decision.kind === "admit");
  for (const group of [stops, launches]) {
    let next = 0;
    const worker = async () => {
      while (next < group.length) {
        const i = group[next++] as Intent;
        if (await apply(deps, i, now)) done.push(i.id);
      }
    };
    const width = Math.max(1, deps.applyConcurrency ?? APPLY_CONCURRENCY);
    await Promise.all(Array.from({ length: Math.min(width, group.length) }, worker));
  }
  await markDecisionsApplied(deps.ctx.db, done, now);
}

/** Step 0: intents persisted by a cycle that crashed before confirming them. */
export async function reapplyPending(deps: CycleDeps, now: Millis): Promise<number> {
  const rows = await listPendingDecisions(deps.ctx.db);
  const intents = rows.map((r): Intent => {
    const { attempt, ...decision } = r.payload as Decision & { attempt?: number };
    return { id: r.id, decision: decision as Decision, ...(attempt !== undefined ? { attempt } : {}) };
  });
  await applyAll(deps, intents, now);
  return rows.length;
}

/** Persists one decision as the state it implies plus its intent row. */
async function persistOne(
  deps: CycleDeps,
  trx: Transaction<Database>,
  d: Decision,
  now: Millis,
): Promise<Intent> {
  const attempt = await persist(trx, d, now, deps.ctx.rules);
  const id = await insertDecision(trx, {
    at: now,
    kind: d.kind,
    job: "job" in d ? d.job : null,
    reservation: "reservation" in d ? d.reservation : null,
    payload: attempt !== undefined ? { ...d, attempt } : { ...d },
    pending: d.kind === "admit" || d.kind === "signal",
  });
  deps.onDecision?.(d.kind);
  return { id, decision: d, ...(attempt !== undefined ? { attempt } : {}) };
}

const isSlotTaken = (err: unknown) => err instanceof DomainError && err.code === "slot-taken";

/**
 * After the database refused the cycle's decisions as a whole: each in its own transaction, in
 * order, up to the first it refuses. A refused re-placement becomes a displacement (the slots it
 * wanted are someone else's); the decisions after it were planned on what it would have done, so
 * they are left to the next cycle, which plans them again on a fresh snapshot.
 */
async function persistUntilRefused(deps: CycleDeps, decisions: readonly Decision[], now: Millis) {
  const intents: Intent[] = [];
  for (const d of decisions) {
    try {
      intents.push(await deps.ctx.db.transaction().execute((trx) => persistOne(deps, trx, d, now)));
      continue;
    } catch (err) {
      if (!isSlotTaken(err)) throw err;
      deps.ctx.logger.warn({ decision: d }, "the database refused a decision; planning again");
    }
    if (d.kind !== "replace") return { intents, replanNow: false };
    const instead: Decision = { kind: "displace", reservation: d.reservation, reason: d.reason };
    intents.push(await deps.ctx.db.transaction().execute((trx) => persistOne(deps, trx, instead, now)));
    return { intents, replanNow: true };
  }
  return { intents, replanNow: false };
}

export async function runCycle(
  deps: CycleDeps,
  now: Millis,
): Promise<{ decisions: number; nextWakeAt: Millis | null }> {
  const { ctx } = deps;
  await timed(deps, "1-reapply", () => reapplyPending(deps, now));

  const snapshot = await timed(deps, "2-snapshot", async () => {
    const read = await loadSnapshot(ctx, now);
    const foreign = deps.foreignGpus?.();
    return foreign && foreign.size > 0 ? { ...read, foreignGpus: foreign } : read;
  });
  if (deps.onUsage) deps.onUsage(poolUsage(snapshot, now));
  const planned = await timed(deps, "3-plan", () => plan(snapshot, now));
  // Bookings beyond the horizon are not in the snapshot: look again before the first could matter.
  // Jobs waiting out a launch backoff are not in it either: look again when the first may go.
  const retry = await earliestJobRetry(ctx.db, now);
  const nextWakeAt = Math.min(
    planned.nextWakeAt ?? Number.POSITIVE_INFINITY,
    now + CYCLE_HORIZON_MS / 2,
    retry ?? Number.POSITIVE_INFINITY,
  );
  if (planned.decisions.length === 0) return { decisions: 0, nextWakeAt };

  let intents: Intent[];
  let replanNow = false;
  const persistStarted = performance.now();
  try {
    intents = await ctx.db.transaction().execute(async (trx) => {
      // Every reservation the decisions change, locked before the first write (the lock order a
      // cancel keeps too: repos/reservations.ts, above `lockReservationRows`).
      await lockReservationRows(
        trx,
        planned.decisions.flatMap((d) => ("reservation" in d && d.reservation ? [d.reservation] : [])),
      );
      const out: Intent[] = [];
      for (const d of planned.decisions) out.push(await persistOne(deps, trx, d, now));
      return out;
    });
  } catch (err) {
    if (!isSlotTaken(err)) throw err;
    ({ intents, replanNow } = await persistUntilRefused(deps, planned.decisions, now));
  }
  deps.onStep?.("4-persist", (performance.now() - persistStarted) / 1000);
  ctx.changed();
  const acting = intents.filter((i) => i.decision.kind === "admit" || i.decision.kind === "signal");
  // Applying includes confirming: each intent is marked applied as soon as the executor took it.
  await timed(deps, "5-apply", () => applyAll(deps, acting, now));
  return { decisions: intents.length, nextWakeAt: replanNow ? now : nextWakeAt };
}

/**
 * After a restart: runs the database says are admitted or running but the executor does not know
 * (the simulated executor forgets everything; Kubernetes does not) are launched again. Launches are
 * idempotent per (job, attempt), so a run that still exists is left alone. A cancelled run the
 * executor does not know holds nothing any more. A launch that fails is recorded on its job, so a
 * job the cluster cannot run never keeps Berth from starting.
 */
export async function relaunchRuns(
  ctx: ServiceContext,
  executor: Executor,
  kinds: JobKindSettings = DEFAULT_KIND_SETTINGS,
): Promise<number> {
  // A run counts as known only where it lives in its own team's namespace (when the executor says
  // whose namespace): a Job elsewhere carrying its labels is not it.
  const runs = await executor.known();
  const known = new Set(runs.map((k) => `${k.job}#${k.attempt}#${k.team ?? ""}`));
  const rows = await listJobRowsHoldingGpus(ctx.db);
  const now = ctx.clock.now();
  let n = 0;
  for (const j of rows) {
    if (known.has(`${j.id}#${j.attempts}#${j.team}`) || known.has(`${j.id}#${j.attempts}#`)) continue;
    const kubectl = kubectlRefOf(j);
    // A failed run that has not stopped is stopped like a cancelled one (run-problems.ts).
    const stopping = j.state === "cancelled" || j.state === "failed";
    if (stopping && kubectl) {
      // A kubectl user's Job stays on the cluster: stop it again (the stop may have been lost).
      try {
        await executor.stop(j.id, j.attempts, Math.max(now, j.signal?.stopAt ?? now), j.team, kubectl);
      } catch (err) {
        ctx.logger.warn({ err, job: j.id }, "stop not sent; the next tick sends it again");
      }
      continue;
    }
    if (stopping) {
      await ctx.db.transaction().execute((trx) => releaseCancelledRun(trx, j.id, now));
      continue;
    }
    try {
      // The run's Job is gone (the cluster does not know it): the one created now is the run's, so
      // its first report is heeded again.
      await clearJobAttemptSource(ctx.db, j.id, j.attempts);
      await executor.launch(
        await launchOrderOf(
          ctx,
          {
            job: j.id,
            attempt: j.attempts,
            kind: j.kind,
            team: j.team,
            pool: j.pool,
            priority: j.priority,
            reservation: j.reservation_id,
            spec: j.spec,
            placement: (j.placement ?? []) as Placement,
            kubectl,
          },
          kinds,
        ),
      );
      if (j.signal) await executor.stop(j.id, j.attempts, Math.max(now, j.signal.stopAt), j.team, kubectl);
    } catch (err) {
      await recordFailedLaunch(ctx, j.id, j.attempts, err, now);
      continue;
    }
    n++;
  }
  return n;
}
