// What the executor reports (a run started, finished, or stopped with its GPUs free), persisted
// with its event before the loop is woken to plan around it.
import { appendEvent } from "../../adapters/db/repos/events.ts";
import type { ServiceContext } from "../context.ts";
import { queueValidationAfterTraining } from "../models/training-follow-up.ts";
import type { ExecutorEvent } from "../ports.ts";

export interface ExecutorEventDeps {
  readonly ctx: ServiceContext;
  /** Seconds from a stop signal to the GPUs being free. */
  readonly onEvictionToFree?: (seconds: number) => void;
}

export async function recordExecutorEvent(deps: ExecutorEventDeps, e: ExecutorEvent): Promise<void> {
  const { ctx } = deps;
  const at = new Date(e.at);
  await ctx.db.transaction().execute(async (trx) => {
    const job = await trx
      .selectFrom("jobs")
      .selectAll()
      .where("id", "=", e.job)
      .forUpdate()
      .executeTakeFirst();
    // A report for an older attempt (a late one after a restart) changes nothing.
    if (!job || job.attempts !== e.attempt) return;
    const attempt = await trx
      .selectFrom("job_attempts")
      .selectAll()
      .where("job_id", "=", e.job)
      .where("attempt", "=", e.attempt)
      .executeTakeFirst();
    if (e.type === "running") {
      if (job.state !== "admitted") return;
      await trx
        .updateTable("jobs")
        .set({ state: "running", updated_at: at })
        .where("id", "=", e.job)
        .execute();
      await appendEvent(trx, e.at, "job.running", job.team, {
        job: e.job,
        team: job.team,
        attempt: e.attempt,
      });
      return;
    }
    if (attempt && attempt.ended_at === null) {
      const outcome =
        e.type === "stopped" ? (job.signal?.reason === "window-end" ? "stopped" : "preempted") : e.type;
      await trx
        .updateTable("job_attempts")
        .set({ ended_at: at, outcome: job.state === "cancelled" ? "cancelled" : outcome })
        .where("job_id", "=", e.job)
        .where("attempt", "=", e.attempt)
        .execute();
      // Usage: GPU-seconds a reservation's own jobs used on its slots.
      if (job.runs_on) {
        const seconds = (job.gpus * (e.at - attempt.started_at.getTime())) / 1000;
        await trx
          .updateTable("usage")
          .set((eb) => ({ gpu_seconds_used: eb("gpu_seconds_used", "+", seconds), updated_at: at }))
          .where("reservation_id", "=", job.runs_on)
          .execute();
      }
    }
    if (job.state === "cancelled" || job.state === "succeeded" || job.state === "failed") return;
    if (e.type === "stopped") {
      if (job.signal) deps.onEvictionToFree?.((e.at - job.signal.at) / 1000);
      await trx
        .updateTable("jobs")
        .set({ state: "queued", placement: null, runs_on: null, lent_from: [], signal: null, updated_at: at })
        .where("id", "=", e.job)
        .execute();
      await appendEvent(trx, e.at, "job.preempted", job.team, {
        job: e.job,
        team: job.team,
        attempt: e.attempt,
        reason: job.signal?.reason ?? "stopped",
        signalledAt: job.signal ? new Date(job.signal.at).toISOString() : null,
      });
      return;
    }
    await trx
      .updateTable("jobs")
      .set({
        state: e.type,
        placement: null,
        runs_on: null,
        lent_from: [],
        signal: null,
        finished_at: at,
        updated_at: at,
      })
      .where("id", "=", e.job)
      .execute();
    await appendEvent(trx, e.at, `job.${e.type}`, job.team, {
      job: e.job,
      team: job.team,
      attempt: e.attempt,
      ...(e.message ? { message: e.message } : {}),
    });
    if (e.type === "succeeded") await queueValidationAfterTraining(trx, job, at);
  });
  ctx.changed();
}
