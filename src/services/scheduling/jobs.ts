// Job submission and control. Jobs are queued here; the loop admits them (on their reservation's
// slots or opportunistically) and records every transition before acting on it.
import { appendAudit } from "../../adapters/db/repos/audit.ts";
import { insertDecision } from "../../adapters/db/repos/decisions.ts";
import { appendEvent } from "../../adapters/db/repos/events.ts";
import { loadInventory } from "../../adapters/db/repos/inventory.ts";
import { cancelOpenJobAttempts } from "../../adapters/db/repos/job-attempts.ts";
import {
  getJobRow,
  insertQueuedJob,
  listJobRows,
  lockJobRow,
  markJobCancelled,
  setJobSignal,
} from "../../adapters/db/repos/jobs.ts";
import { getReservationRow } from "../../adapters/db/repos/reservations.ts";
import { getTeamRow } from "../../adapters/db/repos/teams.ts";
import { DomainError, invalid, notFound } from "../../basics/domain-error.ts";
import { newId } from "../../basics/ids.ts";
import { quotaOf } from "../../core/quota.ts";
import type { Priority } from "../../core/types.ts";
import { isAdmin, type Principal, type ServiceContext } from "../context.ts";
import { decodeCursor, encodeCursor } from "../cursor.ts";
import { answerWithWrite } from "../idempotent-answers.ts";
import { settleAbCheckOfJob } from "../models/ab-checks.ts";
import { jobView } from "../views.ts";
import { queueJobRefusals, reservationPriorityRefusal } from "./job-kinds/job-rules.ts";
import { checkJobSpec, kindGpuError } from "./job-kinds/registry.ts";
import { jobViewsWithUsage } from "./job-usage-views.ts";

export interface JobInput {
  readonly kind: "train" | "validate" | "external";
  readonly pool: string;
  readonly gpus: number;
  readonly priority?: Priority | undefined;
  readonly reservation?: string | undefined;
  readonly team?: string | undefined;
  readonly spec: Record<string, unknown>;
}

export async function submitJob(ctx: ServiceContext, by: Principal, input: JobInput) {
  const team = isAdmin(by) ? (input.team ?? by.team) : by.team;
  if (!team) throw invalid([{ field: "team", message: "an admin submits for a team: name it" }]);
  if (!isAdmin(by) && input.team !== undefined && input.team !== by.team) {
    throw new DomainError("forbidden", `members submit for their own team (${by.team}) only`);
  }
  const inv = await loadInventory(ctx.db);
  const pool = inv.pools.find((p) => p.name === input.pool);
  const errors = [];
  if (!pool) errors.push({ field: "pool", message: `unknown pool "${input.pool}"` });
  else if (input.gpus > pool.gpusPerNode && input.gpus % pool.gpusPerNode !== 0) {
    errors.push({
      field: "gpus",
      message: `at most ${pool.gpusPerNode} (one node) or a multiple of it (whole nodes)`,
    });
  } else if (input.gpus > inv.nodes.filter((n) => n.pool === pool.name).length * pool.gpusPerNode) {
    errors.push({ field: "gpus", message: `pool ${pool.name} has fewer GPUs than that` });
  } else {
    const kindError = kindGpuError(input.kind, pool, input.gpus);
    if (kindError) errors.push(kindError);
  }
  let priority: Priority = input.priority ?? "normal";
  if (input.reservation !== undefined) {
    const r = await getReservationRow(ctx.db, input.reservation);
    if (!r) errors.push({ field: "reservation", message: `unknown reservation "${input.reservation}"` });
    else {
      if (r.team !== team)
        throw new DomainError("forbidden", `reservation ${r.id} belongs to team ${r.team}`);
      if (r.pool !== input.pool)
        errors.push({ field: "pool", message: `reservation ${r.id} is in pool ${r.pool}` });
      if (input.gpus > r.nodes * r.gpus_per_node) {
        errors.push({
          field: "gpus",
          message: `larger than reservation ${r.id} (${r.nodes * r.gpus_per_node} GPUs)`,
        });
      }
      if (r.state !== "confirmed" || r.end_at.getTime() <= ctx.clock.now()) {
        errors.push({ field: "reservation", message: `reservation ${r.id} no longer holds slots` });
      }
      priority = input.priority ?? (r.priority as Priority);
      const above = reservationPriorityRefusal(priority, r.priority as Priority);
      if (above) errors.push({ field: "priority", message: above });
    }
  } else if (!isAdmin(by)) {
    // Admins are unbound by quotas, for jobs as for bookings.
    const row = await getTeamRow(ctx.db, team);
    if (row) errors.push(...queueJobRefusals(quotaOf(row.quota, row.max_gpus), priority, input.gpus));
  }
  if (errors.length > 0) throw invalid(errors);
  const spec = checkJobSpec(input.kind, input.spec);
  const now = new Date(ctx.clock.now());
  const id = newId("j");
  const row = await ctx.db.transaction().execute(async (trx) => {
    const inserted = await insertQueuedJob(trx, {
      id,
      kind: input.kind,
      team,
      pool: input.pool,
      gpus: input.gpus,
      priority,
      reservation: input.reservation ?? null,
      spec,
      submittedAt: now.getTime(),
      submittedBy: by.name,
      graceSeconds: ctx.rules.defaultGraceMs / 1000,
    });
    await appendEvent(trx, now.getTime(), "job.queued", team, {
      job: id,
      team,
      reservation: input.reservation ?? null,
    });
    // The answer commits with the job: a retry after a crash finds it instead of queuing again.
    await answerWithWrite(trx, 201, jobView(inserted));
    return inserted;
  });
  ctx.changed();
  return jobView(row);
}

export async function getJob(ctx: ServiceContext, id: string) {
  const row = await getJobRow(ctx.db, id);
  if (!row) throw notFound(`job ${id}`);
  return (await jobViewsWithUsage(ctx, [row]))[0]!;
}

export async function listJobs(
  ctx: ServiceContext,
  q: {
    team?: string | undefined;
    state?: string | undefined;
    reservation?: string | undefined;
    limit: number;
    cursor?: string | undefined;
  },
) {
  const rows = await listJobRows(ctx.db, {
    team: q.team,
    state: q.state,
    reservation: q.reservation,
    afterSeq: q.cursor ? decodeCursor(q.cursor) : undefined,
    limit: q.limit,
  });
  const page = rows.slice(0, q.limit);
  return {
    items: await jobViewsWithUsage(ctx, page),
    ...(rows.length > q.limit ? { nextCursor: encodeCursor(page.at(-1)!.seq) } : {}),
  };
}

const FINAL = new Set(["succeeded", "failed", "cancelled"]);

export async function cancelJob(ctx: ServiceContext, by: Principal, id: string) {
  const row = await ctx.db.transaction().execute(async (trx) => {
    const job = await lockJobRow(trx, id);
    if (!job) throw notFound(`job ${id}`);
    if (!isAdmin(by) && job.team !== by.team)
      throw new DomainError("forbidden", `job ${id} belongs to team ${job.team}`);
    if (job.state === "cancelled") return job;
    if (FINAL.has(job.state))
      throw new DomainError("invalid-state", `job ${id} is ${job.state}`, { state: job.state });
    const now = new Date(ctx.clock.now());
    const updated = await markJobCancelled(trx, id, now.getTime());
    // A run on the cluster is stopped like any other: an intent the loop applies (and applies again
    // after a crash). The job keeps its placement, so its GPUs count as taken until the run has
    // stopped (executor-events.ts frees them).
    if (job.placement !== null) {
      const signal = {
        reason: "cancelled" as const,
        at: now.getTime(),
        stopAt: now.getTime() + job.grace_seconds * 1000,
      };
      await setJobSignal(trx, id, signal, now.getTime());
      await insertDecision(trx, {
        at: now.getTime(),
        kind: "signal",
        job: id,
        reservation: null,
        payload: {
          kind: "signal",
          job: id,
          reason: "cancelled",
          stopAt: signal.stopAt,
          attempt: job.attempts,
        },
        pending: true,
      });
    }
    await cancelOpenJobAttempts(trx, id, now.getTime());
    if (job.kind === "validate") await settleAbCheckOfJob(trx, id, { type: "cancelled" }, now.getTime());
    await appendAudit(trx, {
      at: now.getTime(),
      actor: by.name,
      action: "cancel-job",
      team: job.team,
      jobId: id,
    });
    await appendEvent(trx, now.getTime(), "job.cancelled", job.team, { job: id, team: job.team });
    return updated;
  });
  ctx.changed();
  return jobView(row);
}
