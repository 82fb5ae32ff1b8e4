// What the executor reports (a run started, finished, or stopped with its GPUs free), persisted
// with its event before the loop is woken to plan around it.

import type { Transaction } from "kysely";
import { appendEvent } from "../../adapters/db/repos/events.ts";
import {
  type AttemptOutcome,
  endJobAttempt,
  getJobAttempt,
  type JobAttemptRow,
  recordJobAttemptSource,
} from "../../adapters/db/repos/job-attempts.ts";
import {
  finishJob,
  lockJobRow,
  markJobRunning,
  releaseCancelledRun,
  requeueJob,
} from "../../adapters/db/repos/jobs.ts";
import { addUsedGpuSeconds } from "../../adapters/db/repos/usage.ts";
import type { Database, JobRow } from "../../adapters/db/tables.ts";
import type { Millis } from "../../core/types.ts";
import type { ServiceContext } from "../context.ts";
import { settleAbCheckOfJob } from "../models/ab-checks.ts";
import { afterTraining } from "../models/training-follow-up.ts";
import type { ExecutorEvent } from "../ports.ts";

export interface ExecutorEventDeps {
  readonly ctx: ServiceContext;
  /** Seconds from a stop signal to the GPUs being free. */
  readonly onEvictionToFree?: (seconds: number) => void;
}

/**
 * Ends the job's current attempt, if it is still open, and counts the GPU-seconds a reservation's
 * own job used on its slots.
 */
export async function endRunAttempt(
  trx: Transaction<Database>,
  job: JobRow,
  outcome: AttemptOutcome,
  at: Millis,
): Promise<void> {
  const attempt = await getJobAttempt(trx, job.id, job.attempts);
  if (!attempt || attempt.ended_at !== null) return;
  await endJobAttempt(trx, job.id, job.attempts, outcome, at);
  if (job.runs_on) {
    const seconds = (job.gpus * (at - attempt.started_at.getTime())) / 1000;
    await addUsedGpuSeconds(trx, job.runs_on, seconds, at);
  }
}

export async function recordExecutorEvent(deps: ExecutorEventDeps, e: ExecutorEvent): Promise<void> {
  const { ctx } = deps;
  await ctx.db.transaction().execute(async (trx) => {
    const job = await lockJobRow(trx, e.job);
    // A report for an older attempt (a late one after a restart) changes nothing.
    if (!job || job.attempts !== e.attempt) return;
    // A kubectl user's Job is believed only under the uid Berth recorded; Berth's own, never as one.
    if ((job.kube_uid ?? undefined) !== e.kubectl?.uid) return;
    const attempt = await getJobAttempt(trx, e.job, e.attempt);
    const foreign = foreignSource(e, job.team, attempt);
    if (foreign) {
      ctx.logger.warn({ job: e.job, attempt: e.attempt, source: e.source }, foreign);
      return;
    }
    if (e.source && attempt && attempt.run_uid === null)
      await recordJobAttemptSource(trx, e.job, e.attempt, e.source);
    if (e.type === "running") {
      if (job.state !== "admitted") return;
      await markJobRunning(trx, e.job, e.at);
      if (job.kind === "validate") await settleAbCheckOfJob(trx, e.job, { type: "running" }, e.at);
      await appendEvent(trx, e.at, "job.running", job.team, {
        job: e.job,
        team: job.team,
        attempt: e.attempt,
      });
      return;
    }
    // Requeued already (stopped at once by the cycle, scheduling-cycle.ts): its run's end changes nothing.
    if (job.state === "queued") return;
    const outcome =
      e.type === "stopped" ? (job.signal?.reason === "window-end" ? "stopped" : "preempted") : e.type;
    await endRunAttempt(trx, job, job.state === "cancelled" ? "cancelled" : outcome, e.at);
    // A cancelled run that has ended frees its GPUs now, not when it was cancelled; so does a run
    // failed by what its pods showed (run-problems.ts).
    if (job.state === "cancelled" || job.state === "failed") return releaseCancelledRun(trx, e.job, e.at);
    if (job.state === "succeeded") return;
    if (e.type === "stopped") {
      if (job.signal) deps.onEvictionToFree?.((e.at - job.signal.at) / 1000);
      await requeueJob(trx, e.job, e.at);
      await appendEvent(trx, e.at, "job.preempted", job.team, {
        job: e.job,
        team: job.team,
        attempt: e.attempt,
        reason: job.signal?.reason ?? "stopped",
        signalledAt: job.signal ? new Date(job.signal.at).toISOString() : null,
      });
      return;
    }
    await finishJob(trx, e.job, e.type, e.at);
    await appendEvent(trx, e.at, `job.${e.type}`, job.team, {
      job: e.job,
      team: job.team,
      attempt: e.attempt,
      ...(e.message ? { message: e.message } : {}),
    });
    if (job.kind === "validate")
      await settleAbCheckOfJob(
        trx,
        e.job,
        e.type === "succeeded"
          ? { type: "succeeded", result: e.result }
          : { type: "failed", message: e.message },
        e.at,
      );
    if (e.type === "succeeded") await afterTraining(trx, job, new Date(e.at));
  });
  ctx.changed();
}

/**
 * Why a report is not about the run it names (undefined when it is): it comes from a Job in another
 * team's namespace, or from another object than the one the run's first report came from. Anyone
 * who may create a Job can copy a run's labels; only the run's own Job speaks for it.
 */
export function foreignSource(e: ExecutorEvent, team: string, attempt: JobAttemptRow | undefined) {
  if (!e.source) return undefined;
  if (e.source.team !== undefined && e.source.team !== team)
    return `ignored a report from a Job in team ${e.source.team}'s namespace labelled as team ${team}'s run`;
  if (
    attempt?.run_uid != null &&
    (attempt.run_uid !== e.source.uid || attempt.run_namespace !== e.source.namespace)
  )
    return "ignored a report from a Job other than the run's own (another uid or namespace)";
  return undefined;
}
