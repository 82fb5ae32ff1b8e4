// One row per run of a job (its admission): where it ran, what it borrowed, how it ended. Written
// in the transactions of the job's transitions, so a run is never recorded without its job's state.
import type { Kysely, Selectable, Transaction } from "kysely";
import type { Millis, Placement } from "../../../core/types.ts";
import type { Database, JobAttemptsTable } from "../tables.ts";

type Handle = Kysely<Database> | Transaction<Database>;
export type JobAttemptRow = Selectable<JobAttemptsTable>;
export type AttemptOutcome = NonNullable<JobAttemptsTable["outcome"]>;

export async function insertJobAttempt(
  trx: Transaction<Database>,
  a: { job: string; attempt: number; placement: Placement; lentFrom: readonly string[]; at: Millis },
): Promise<void> {
  await trx
    .insertInto("job_attempts")
    .values({
      job_id: a.job,
      attempt: a.attempt,
      placement: JSON.stringify(a.placement),
      lent_from: [...a.lentFrom],
      started_at: new Date(a.at),
      ended_at: null,
      outcome: null,
    })
    .execute();
}

export async function getJobAttempt(
  db: Handle,
  job: string,
  attempt: number,
): Promise<JobAttemptRow | undefined> {
  return db
    .selectFrom("job_attempts")
    .selectAll()
    .where("job_id", "=", job)
    .where("attempt", "=", attempt)
    .executeTakeFirst();
}

export async function endJobAttempt(
  trx: Transaction<Database>,
  job: string,
  attempt: number,
  outcome: AttemptOutcome,
  at: Millis,
): Promise<void> {
  await trx
    .updateTable("job_attempts")
    .set({ ended_at: new Date(at), outcome })
    .where("job_id", "=", job)
    .where("attempt", "=", attempt)
    .execute();
}

/** A cancelled job's run that has not ended yet ends as cancelled. */
export async function cancelOpenJobAttempts(
  trx: Transaction<Database>,
  job: string,
  at: Millis,
): Promise<void> {
  await trx
    .updateTable("job_attempts")
    .set({ ended_at: new Date(at), outcome: "cancelled" })
    .where("job_id", "=", job)
    .where("ended_at", "is", null)
    .execute();
}

/** The object a run's reports come from, recorded at the first report (never overwritten). */
export async function recordJobAttemptSource(
  trx: Transaction<Database>,
  job: string,
  attempt: number,
  source: { namespace: string; uid: string },
): Promise<void> {
  await trx
    .updateTable("job_attempts")
    .set({ run_namespace: source.namespace, run_uid: source.uid })
    .where("job_id", "=", job)
    .where("attempt", "=", attempt)
    .where("run_uid", "is", null)
    .execute();
}

/** Forgets the object a run's reports came from: its Job is gone and is about to be created anew. */
export async function clearJobAttemptSource(db: Handle, job: string, attempt: number): Promise<void> {
  await db
    .updateTable("job_attempts")
    .set({ run_namespace: null, run_uid: null })
    .where("job_id", "=", job)
    .where("attempt", "=", attempt)
    .execute();
}

/** The runs of some jobs (for their GPU-hours and preemptions), in one query. */
export async function listJobRuns(
  db: Handle,
  jobs: readonly string[],
): Promise<Pick<JobAttemptRow, "job_id" | "started_at" | "ended_at" | "outcome">[]> {
  if (jobs.length === 0) return [];
  return db
    .selectFrom("job_attempts")
    .select(["job_id", "started_at", "ended_at", "outcome"])
    .where("job_id", "in", [...jobs])
    .execute();
}
