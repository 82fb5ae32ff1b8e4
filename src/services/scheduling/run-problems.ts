// What the pod watch saw go wrong with a run (ports.ts RunProblem; docs/rules.md §5 "Failures on
// the cluster"), persisted with its audit entry and event before the loop is woken:
// - fatal (OOMKilled, image pull failure, unschedulable past its bound): the job fails with the
//   reason (`job.failed`, audit `run-failed`), and its Job is stopped by an intent like any other
//   stop (applied again after a crash); the job keeps its placement, so its GPUs count as taken
//   until the Job's pods are gone (executor-events.ts frees them on the stop's report);
// - not fatal (unschedulable for now, node lost): the reason is shown on the job and audited
//   (`pod-unschedulable`, `pod-node-lost`); the node-loss path (the core) stops and requeues a run on a lost node.
// A run whose Job failed on its own first (an OOMKilled pod fails a Job that allows no retry)
// keeps its state; the pod's cause only replaces the Job's generic reason.
import { appendAudit } from "../../adapters/db/repos/audit.ts";
import { insertDecision } from "../../adapters/db/repos/decisions.ts";
import { appendEvent } from "../../adapters/db/repos/events.ts";
import { getJobAttempt } from "../../adapters/db/repos/job-attempts.ts";
import { failRunningJob, lockJobRow, setJobReason } from "../../adapters/db/repos/jobs.ts";
import type { ServiceContext } from "../context.ts";
import { settleAbCheckOfJob } from "../models/ab-checks.ts";
import type { RunProblem } from "../ports.ts";
import { endRunAttempt, foreignSource } from "./executor-events.ts";

export async function recordRunProblem(ctx: ServiceContext, p: RunProblem): Promise<void> {
  const changed = await ctx.db.transaction().execute(async (trx) => {
    const job = await lockJobRow(trx, p.job);
    if (!job || job.attempts !== p.attempt) return false;
    // The same rules as a Job's reports: a kubectl Job only under its recorded uid, Berth's own only
    // from the run's own Job (executor-events.ts).
    if ((job.kube_uid ?? undefined) !== p.kubectl?.uid) return false;
    const attempt = await getJobAttempt(trx, p.job, p.attempt);
    const foreign = foreignSource(
      { job: p.job, attempt: p.attempt, type: "failed", at: p.at, ...(p.source ? { source: p.source } : {}) },
      job.team,
      attempt,
    );
    if (foreign) {
      ctx.logger.warn({ job: p.job, attempt: p.attempt, source: p.source }, foreign);
      return false;
    }
    const audit = (action: string) =>
      appendAudit(trx, {
        at: p.at,
        actor: "berth",
        action,
        team: job.team,
        jobId: job.id,
        reservationId: job.runs_on ?? job.reservation_id,
        reason: p.message,
        detail: { attempt: p.attempt, cause: p.kind },
      });
    if (job.state === "failed") {
      // Failed already by its Job's own report (an OOMKilled pod fails a Job that allows no retry):
      // the pod's cause is the better reason. Any other cause failed the job here, reason and all.
      if (p.kind !== "oom-killed" || job.reason?.startsWith("OOMKilled")) return false;
      await setJobReason(trx, job.id, p.message, p.at);
      await audit("run-failed");
      return true;
    }
    if (job.state !== "admitted" && job.state !== "running") return false;
    if (!p.fatal) {
      if (job.reason === p.message) return false;
      await setJobReason(trx, job.id, p.message, p.at);
      await audit(`pod-${p.kind}`);
      return true;
    }
    const signal = { reason: "failed" as const, at: p.at, stopAt: p.at + job.grace_seconds * 1000 };
    const failed = await failRunningJob(trx, {
      job: job.id,
      attempt: p.attempt,
      at: p.at,
      reason: p.message,
      signal,
    });
    if (!failed) return false;
    await endRunAttempt(trx, job, "failed", p.at);
    await insertDecision(trx, {
      at: p.at,
      kind: "signal",
      job: job.id,
      reservation: null,
      payload: { kind: "signal", job: job.id, reason: "failed", stopAt: signal.stopAt, attempt: p.attempt },
      pending: true,
    });
    await audit("run-failed");
    await appendEvent(trx, p.at, "job.failed", job.team, {
      job: job.id,
      team: job.team,
      attempt: p.attempt,
      reason: p.message,
      cause: p.kind,
    });
    if (job.kind === "validate")
      await settleAbCheckOfJob(trx, job.id, { type: "failed", message: p.message }, p.at);
    return true;
  });
  if (changed) {
    ctx.logger.warn({ job: p.job, attempt: p.attempt, cause: p.kind, reason: p.message }, "run problem");
    ctx.changed();
  }
}
