// kubectl users' Jobs as Berth jobs (docs/rules.md §5): a Job labelled for Berth that the Job watch
// sees for the first time, suspended as the mutating webhook made it, becomes a queued `external`
// job with source `kubectl`, its namespace, name and uid recorded. From then on the ordinary cycle
// admits it like any job (the executor unsuspends that Job), and its reports count only under that
// uid. A Job deleted with kubectl takes its job with it: cancelled, its GPUs free (the Job's pods
// go with it). Registration is the watch's, not the webhook's: the watch also sees what was created
// while Berth was restarting, and a create that the API server refused after the webhooks allowed
// it never reaches it.
import { appendAudit } from "../../adapters/db/repos/audit.ts";
import { appendEvent } from "../../adapters/db/repos/events.ts";
import {
  getJobRowByKubeUid,
  insertKubectlJob,
  listLiveKubectlJobRows,
  lockJobRow,
  markJobCancelledFor,
  releaseCancelledRun,
} from "../../adapters/db/repos/jobs.ts";
import { getPool } from "../../adapters/db/repos/pools.ts";
import { getReservationRow } from "../../adapters/db/repos/reservations.ts";
import { PRIORITIES, type Priority } from "../../core/types.ts";
import type { ServiceContext } from "../context.ts";
import type { KubectlJobRef, KubectlJobSighting } from "../ports.ts";
import { endRunAttempt } from "../scheduling/executor-events.ts";
import { checkKubectlJob } from "./check-kubectl-job.ts";

/** The job id of a kubectl user's Job: from its uid, so seeing it twice registers it once. */
export const kubectlJobId = (uid: string) => `j-${uid}`;

/** `berth-<priority>` names the priority; no class (or another) is `normal`. */
export function priorityOfClass(priorityClassName: string | null): Priority {
  return PRIORITIES.find((p) => `berth-${p}` === priorityClassName) ?? "normal";
}

/**
 * Registers the Job at first sight; a Job seen again, one Berth never held back (not suspended: it
 * was created before the webhooks were there), a finished one, or one the admission rules refuse
 * (its reservation ended meanwhile, say) is left as it is.
 */
export async function registerKubectlJob(ctx: ServiceContext, seen: KubectlJobSighting): Promise<boolean> {
  if (!seen.suspended || seen.finished) return false;
  if (await getJobRowByKubeUid(ctx.db, seen.ref.uid)) return false;
  const team = await seen.team();
  const refusals = await checkKubectlJob(ctx, {
    operation: "CREATE",
    namespace: seen.ref.namespace,
    name: seen.ref.name,
    team,
    reservation: seen.reservation,
    queue: seen.queue,
    pool: seen.pool,
    gpus: seen.gpus,
    suspend: true,
    oldSuspend: undefined,
    oldReservation: null,
    priorityClassName: seen.priorityClassName,
    envNames: seen.envNames,
    envFrom: seen.envFrom,
    annotations: seen.annotations,
  });
  if (refusals.length > 0 || team === null) {
    ctx.logger.warn({ job: seen.ref, refusals }, "a kubectl Job Berth cannot admit is left suspended");
    return false;
  }
  const pool = seen.reservation
    ? (await getReservationRow(ctx.db, seen.reservation))?.pool
    : (await getPool(ctx.db, seen.pool ?? ""))?.name;
  if (!pool) return false;
  const id = kubectlJobId(seen.ref.uid);
  const now = ctx.clock.now();
  const inserted = await ctx.db.transaction().execute(async (trx) => {
    const fresh = await insertKubectlJob(
      trx,
      {
        id,
        kind: "external",
        team,
        pool,
        gpus: seen.gpus,
        priority: priorityOfClass(seen.priorityClassName),
        reservation: seen.reservation,
        spec: seen.container,
        submittedAt: now,
        graceSeconds: ctx.rules.defaultGraceMs / 1000,
        submittedBy: `kubectl:${seen.ref.namespace}/${seen.ref.name}`,
      },
      seen.ref,
    );
    if (fresh)
      await appendEvent(trx, now, "job.queued", team, {
        job: id,
        team,
        reservation: seen.reservation,
        source: "kubectl",
        kubernetes: { namespace: seen.ref.namespace, name: seen.ref.name },
      });
    return fresh;
  });
  if (inserted) {
    ctx.logger.info({ job: id, kubernetes: seen.ref }, "kubectl Job registered");
    ctx.changed();
  }
  return inserted;
}

/** The user's Job was deleted: its job is cancelled and holds nothing more. */
export async function kubectlJobGone(ctx: ServiceContext, ref: KubectlJobRef): Promise<void> {
  const row = await getJobRowByKubeUid(ctx.db, ref.uid);
  if (!row) return;
  const now = ctx.clock.now();
  const changed = await ctx.db.transaction().execute(async (trx) => {
    const job = await lockJobRow(trx, row.id);
    if (!job) return false;
    const live = ["queued", "admitted", "running"].includes(job.state);
    const stopping = (job.state === "cancelled" || job.state === "failed") && job.placement !== null;
    if (!live && !stopping) return false;
    if (job.placement !== null) await endRunAttempt(trx, job, "cancelled", now);
    if (live) {
      const reason = `Job ${ref.name} in ${ref.namespace} was deleted`;
      await markJobCancelledFor(trx, job.id, reason, now);
      await appendAudit(trx, {
        at: now,
        actor: "kubectl",
        action: "cancel-job",
        team: job.team,
        jobId: job.id,
        reason,
      });
      await appendEvent(trx, now, "job.cancelled", job.team, { job: job.id, team: job.team, reason });
    }
    await releaseCancelledRun(trx, job.id, now);
    return true;
  });
  if (changed) ctx.changed();
}

/** After the watch listed every Job: the live jobs whose Job is not among them were deleted meanwhile. */
export async function kubectlJobsListed(ctx: ServiceContext, uids: ReadonlySet<string>): Promise<void> {
  for (const row of await listLiveKubectlJobRows(ctx.db)) {
    if (row.kube_uid && !uids.has(row.kube_uid))
      await kubectlJobGone(ctx, {
        namespace: row.kube_namespace ?? "",
        name: row.kube_name ?? "",
        uid: row.kube_uid,
      });
  }
}
