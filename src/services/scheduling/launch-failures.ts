// What becomes of a job whose launch the executor could not make. The launch is tried once per
// intent; its failure is recorded on the job so that the loop moves on (one broken job must never
// hold up the others, nor be re-sent on every tick):
// - a spec the cluster can never run (`invalid`: no image, a manifest the API server refuses) fails
//   the job at once, with the reason;
// - a cause that may pass (no namespace for the team yet, a quota, a refused name) queues it again
//   with a backoff, and fails it after MAX_LAUNCH_FAILURES;
// - a cluster that does not answer (`unavailable`, or an error we cannot classify) may have
//   created the Job before the answer was lost: the intent stays pending and is sent again (the
//   launch is idempotent per (job, attempt), a new attempt could run twice).
import { appendAudit } from "../../adapters/db/repos/audit.ts";
import { appendEvent } from "../../adapters/db/repos/events.ts";
import { endJobAttempt } from "../../adapters/db/repos/job-attempts.ts";
import { lockJobRow, recordLaunchFailure } from "../../adapters/db/repos/jobs.ts";
import { DomainError } from "../../basics/domain-error.ts";
import type { Millis } from "../../core/types.ts";
import type { ServiceContext } from "../context.ts";

export const MAX_LAUNCH_FAILURES = 5;

/** 15 s, 30 s, 1 min, … capped at 10 min. */
export function launchRetryDelayMs(failures: number): number {
  return Math.min(600_000, 15_000 * 2 ** Math.max(0, failures - 1));
}

export type LaunchFailureKind = "permanent" | "may-pass" | "unanswered";

export function classifyLaunchFailure(err: unknown): LaunchFailureKind {
  if (!(err instanceof DomainError)) return "unanswered";
  if (err.code === "invalid") return "permanent";
  if (err.code === "unavailable") return "unanswered";
  return "may-pass";
}

/** The error as a user reads it: the message, and each refused field with its reason. */
export function describeFailure(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const fields = err instanceof DomainError ? err.extra.errors : undefined;
  if (!Array.isArray(fields) || fields.length === 0) return err.message;
  const parts = fields.map((f: { field?: string; message?: string }) => `${f.field}: ${f.message}`);
  return `${err.message}: ${parts.join("; ")}`;
}

/**
 * Records a failed launch of (job, attempt), unless the job has moved on meanwhile. Returns false
 * when the failure leaves the intent to be sent again (the cluster did not answer).
 */
export async function recordFailedLaunch(
  ctx: ServiceContext,
  job: string,
  attempt: number,
  err: unknown,
  now: Millis,
): Promise<boolean> {
  const kind = classifyLaunchFailure(err);
  const reason = describeFailure(err);
  if (kind === "unanswered") {
    ctx.logger.warn({ err, job, attempt }, "launch not answered; it is sent again on the next tick");
    return false;
  }
  await ctx.db.transaction().execute(async (trx) => {
    const row = await lockJobRow(trx, job);
    if (!row || row.attempts !== attempt) return;
    const failures = row.launch_failures + 1;
    const retryAt =
      kind === "may-pass" && failures < MAX_LAUNCH_FAILURES ? now + launchRetryDelayMs(failures) : null;
    const moved = await recordLaunchFailure(trx, { job, attempt, at: now, reason, retryAt });
    if (!moved) return;
    await endJobAttempt(trx, job, attempt, "failed", now);
    await appendAudit(trx, {
      at: now,
      actor: "berth",
      action: "launch-failed",
      team: moved.team,
      jobId: job,
      reason,
      detail: { attempt, failures, retryAt: retryAt === null ? null : new Date(retryAt).toISOString() },
    });
    await appendEvent(trx, now, retryAt === null ? "job.failed" : "job.queued", moved.team, {
      job,
      team: moved.team,
      attempt,
      reason,
      ...(retryAt !== null ? { retryAt: new Date(retryAt).toISOString() } : {}),
    });
  });
  ctx.logger.warn({ job, attempt, reason, kind }, "launch failed");
  ctx.changed();
  return true;
}
