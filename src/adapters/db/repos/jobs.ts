// Jobs: submission, the loop's transitions (admit, signal, run, requeue, finish, refuse) and the
// reads the cycle and the API need. Anything that locks or belongs to a transition takes a
// Transaction: the scheduling service owns it, so a state change and its event commit together.
import type { ExpressionBuilder, Insertable, Kysely, Transaction } from "kysely";
import type { Millis, Placement } from "../../../core/types.ts";
import type { Database, JobRow, JobSignalJson, JobsTable } from "../tables.ts";

type Handle = Kysely<Database> | Transaction<Database>;
type JobState = JobsTable["state"];

export async function getJobRow(db: Handle, id: string): Promise<JobRow | undefined> {
  return db.selectFrom("jobs").selectAll().where("id", "=", id).executeTakeFirst();
}

/** The job's row, locked until the transaction ends (its transitions serialise on it). */
export async function lockJobRow(trx: Transaction<Database>, id: string): Promise<JobRow | undefined> {
  return trx.selectFrom("jobs").selectAll().where("id", "=", id).forUpdate().executeTakeFirst();
}

/**
 * Cancelled, or failed by what its pods showed (services/scheduling/run-problems.ts), with a run
 * that has not stopped yet: its GPUs stay taken until it has.
 */
function isStopping(eb: ExpressionBuilder<Database, "jobs">) {
  return eb.and([eb("state", "in", ["cancelled", "failed"]), eb("placement", "is not", null)]);
}

/** Queued, admitted or running, or cancelled (or failed) with a run that has not stopped yet. */
function isLive(eb: ExpressionBuilder<Database, "jobs">) {
  return eb.or([eb("state", "in", ["queued", "admitted", "running"]), isStopping(eb)]);
}

/**
 * The jobs the core plans around, by id: queued, admitted or running, and cancelled ones whose run
 * has not stopped yet (their GPUs stay taken until it has).
 */
export async function listLiveJobRows(db: Handle): Promise<JobRow[]> {
  return db.selectFrom("jobs").selectAll().where(isLive).orderBy("id").execute();
}

/** When the earliest queued job waiting out a launch backoff may be admitted; null when none waits. */
export async function earliestJobRetry(db: Handle, after: Millis): Promise<Millis | null> {
  const row = await db
    .selectFrom("jobs")
    .select((eb) => eb.fn.min("retry_at").as("t"))
    .where("state", "=", "queued")
    .where("retry_at", ">", new Date(after))
    .executeTakeFirst();
  return row?.t ? new Date(row.t).getTime() : null;
}

/**
 * The jobs that hold GPUs now (admitted or running, or cancelled and not stopped yet): what must be
 * running, or be stopped, after a restart.
 */
export async function listJobRowsHoldingGpus(db: Handle, pool?: string): Promise<JobRow[]> {
  let q = db
    .selectFrom("jobs")
    .selectAll()
    .where((eb) => eb.or([eb("state", "in", ["admitted", "running"]), isStopping(eb)]));
  if (pool !== undefined) q = q.where("pool", "=", pool);
  return q.execute();
}

export interface JobFilter {
  readonly team?: string | undefined;
  readonly state?: string | undefined;
  readonly reservation?: string | undefined;
  /** Exclusive lower bound on `seq` (the cursor). */
  readonly afterSeq?: string | undefined;
  readonly limit: number;
}

/** One page of jobs in submission order, with one row more than `limit` when there is a next page. */
export async function listJobRows(db: Handle, f: JobFilter): Promise<JobRow[]> {
  let query = db.selectFrom("jobs").selectAll();
  if (f.team) query = query.where("team", "=", f.team);
  if (f.state) query = query.where("state", "=", f.state as JobState);
  if (f.reservation) query = query.where("reservation_id", "=", f.reservation);
  if (f.afterSeq) query = query.where("seq", ">", f.afterSeq as never);
  return query
    .orderBy("seq")
    .limit(f.limit + 1)
    .execute();
}

export interface NewJob {
  readonly id: string;
  readonly kind: JobsTable["kind"];
  readonly team: string;
  readonly pool: string;
  readonly gpus: number;
  readonly priority: string;
  readonly reservation: string | null;
  readonly spec: object;
  readonly submittedAt: Millis;
  readonly submittedBy: string | null;
  /** From its stop signal to its GPUs being free. */
  readonly graceSeconds: number;
}

/** A queued job's row. */
function queuedJobValues(j: NewJob): Insertable<JobsTable> {
  const at = new Date(j.submittedAt);
  return {
    id: j.id,
    kind: j.kind,
    team: j.team,
    pool: j.pool,
    gpus: j.gpus,
    priority: j.priority,
    reservation_id: j.reservation,
    spec: JSON.stringify(j.spec),
    state: "queued",
    placement: null,
    submitted_at: at,
    submitted_by: j.submittedBy,
    grace_seconds: j.graceSeconds,
    updated_at: at,
    finished_at: null,
  };
}

export async function insertQueuedJob(trx: Transaction<Database>, job: NewJob): Promise<JobRow> {
  return trx.insertInto("jobs").values(queuedJobValues(job)).returningAll().executeTakeFirstOrThrow();
}

/** Queues a job unless one with its id exists: false when it did (a deterministic id seen twice). */
export async function insertQueuedJobOnce(trx: Transaction<Database>, job: NewJob): Promise<boolean> {
  const inserted = await trx
    .insertInto("jobs")
    .values(queuedJobValues(job))
    .onConflict((oc) => oc.column("id").doNothing())
    .returning("id")
    .executeTakeFirst();
  return inserted !== undefined;
}

/** Where a kubectl user's Job lives on the cluster, as Berth saw it first. */
export interface KubectlJobRow {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
}

/**
 * Queues a kubectl user's Job unless it is registered already (its id, or its uid): false when it
 * was (the Job watch sees a Job again after a restart or a relist).
 */
export async function insertKubectlJob(
  trx: Transaction<Database>,
  job: NewJob,
  kube: KubectlJobRow,
): Promise<boolean> {
  const inserted = await trx
    .insertInto("jobs")
    .values({
      ...queuedJobValues(job),
      source: "kubectl",
      kube_namespace: kube.namespace,
      kube_name: kube.name,
      kube_uid: kube.uid,
    })
    .onConflict((oc) => oc.doNothing())
    .returning("id")
    .executeTakeFirst();
  return inserted !== undefined;
}

/** The job a kubectl user's Job is, by the Job's uid. */
export async function getJobRowByKubeUid(db: Handle, uid: string): Promise<JobRow | undefined> {
  return db.selectFrom("jobs").selectAll().where("kube_uid", "=", uid).executeTakeFirst();
}

/** kubectl users' jobs that are not finished: queued, admitted, running, or cancelled and not stopped. */
export async function listLiveKubectlJobRows(db: Handle): Promise<JobRow[]> {
  return db.selectFrom("jobs").selectAll().where("source", "=", "kubectl").where(isLive).execute();
}

export async function markJobCancelled(trx: Transaction<Database>, id: string, at: Millis): Promise<JobRow> {
  const now = new Date(at);
  return trx
    .updateTable("jobs")
    .set({ state: "cancelled", updated_at: now, finished_at: now })
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** A cancelled job that was cancelled because of `reason` (its Job was deleted, say). */
export async function markJobCancelledFor(
  trx: Transaction<Database>,
  id: string,
  reason: string,
  at: Millis,
): Promise<void> {
  const now = new Date(at);
  await trx
    .updateTable("jobs")
    .set({ state: "cancelled", reason, updated_at: now, finished_at: now })
    .where("id", "=", id)
    .execute();
}

/** A cancelled (or failed) job's run has stopped: it holds nothing more. */
export async function releaseCancelledRun(trx: Transaction<Database>, id: string, at: Millis): Promise<void> {
  await trx
    .updateTable("jobs")
    .set({ placement: null, runs_on: null, lent_from: [], signal: null, updated_at: new Date(at) })
    .where("id", "=", id)
    .where("state", "in", ["cancelled", "failed"])
    .execute();
}

/**
 * A run that can no longer succeed (its pod was OOMKilled, its image cannot be pulled, it waited
 * too long to be scheduled): the job fails with the reason, but keeps its placement and is told to
 * stop, so its GPUs count as taken until its pods are gone. Only while the job is still in that
 * attempt; its team comes back when it applied.
 */
export async function failRunningJob(
  trx: Transaction<Database>,
  f: { job: string; attempt: number; at: Millis; reason: string; signal: JobSignalJson },
): Promise<{ team: string } | undefined> {
  const now = new Date(f.at);
  return trx
    .updateTable("jobs")
    .set({
      state: "failed",
      reason: f.reason,
      signal: JSON.stringify(f.signal),
      finished_at: now,
      updated_at: now,
    })
    .where("id", "=", f.job)
    .where("attempts", "=", f.attempt)
    .where("state", "in", ["admitted", "running"])
    .returning(["team"])
    .executeTakeFirst();
}

/** What the cluster says about a job's run, shown as its reason (an Unschedulable pod's message). */
export async function setJobReason(
  trx: Transaction<Database>,
  id: string,
  reason: string,
  at: Millis,
): Promise<void> {
  await trx
    .updateTable("jobs")
    .set({ reason, updated_at: new Date(at) })
    .where("id", "=", id)
    .execute();
}

export interface LaunchFailure {
  readonly job: string;
  readonly attempt: number;
  readonly at: Millis;
  readonly reason: string;
  /** When it may be admitted again; null: the job fails. */
  readonly retryAt: Millis | null;
}

/**
 * A launch the executor could not make: the job holds nothing more and either waits for `retryAt`
 * in the queue or fails. Only while the job is still in that attempt (a late duplicate changes
 * nothing); its team comes back when it applied.
 */
export async function recordLaunchFailure(
  trx: Transaction<Database>,
  f: LaunchFailure,
): Promise<{ team: string; state: JobState } | undefined> {
  const now = new Date(f.at);
  return trx
    .updateTable("jobs")
    .set((eb) => ({
      state: f.retryAt === null ? "failed" : "queued",
      placement: null,
      runs_on: null,
      lent_from: [],
      signal: null,
      reason: f.reason,
      retry_at: f.retryAt === null ? null : new Date(f.retryAt),
      launch_failures: eb("launch_failures", "+", 1),
      updated_at: now,
      ...(f.retryAt === null ? { finished_at: now } : {}),
    }))
    .where("id", "=", f.job)
    .where("attempts", "=", f.attempt)
    .where("state", "in", ["admitted", "running"])
    .returning(["team", "state"])
    .executeTakeFirst();
}

/** What a launch needs beyond the decision (kind, team, pool, spec, reservation, priority), and where the job is now. */
export async function getJobLaunchFields(db: Handle, id: string) {
  return db
    .selectFrom("jobs")
    .select([
      "kind",
      "team",
      "pool",
      "spec",
      "reservation_id",
      "priority",
      "state",
      "attempts",
      "placement",
      "kube_namespace",
      "kube_name",
      "kube_uid",
    ])
    .where("id", "=", id)
    .executeTakeFirst();
}

export interface JobAdmission {
  readonly job: string;
  readonly placement: Placement;
  readonly reservation: string | null;
  readonly lentFrom: readonly string[];
  readonly at: Millis;
}

/** A queued job becomes admitted with one attempt more; its team and the new attempt number come back. */
export async function admitQueuedJob(
  trx: Transaction<Database>,
  a: JobAdmission,
): Promise<{ team: string; attempts: number }> {
  return trx
    .updateTable("jobs")
    .set((eb) => ({
      state: "admitted",
      attempts: eb("attempts", "+", 1),
      placement: JSON.stringify(a.placement),
      runs_on: a.reservation,
      lent_from: [...a.lentFrom],
      signal: null,
      retry_at: null,
      updated_at: new Date(a.at),
    }))
    .where("id", "=", a.job)
    .where("state", "=", "queued")
    .returning(["team", "attempts"])
    .executeTakeFirstOrThrow();
}

/** Records the stop signal a running job was sent. */
export async function setJobSignal(
  trx: Transaction<Database>,
  id: string,
  signal: JobSignalJson,
  at: Millis,
): Promise<{ team: string; attempts: number; gpus: number; placement: Placement | null }> {
  return trx
    .updateTable("jobs")
    .set({ signal: JSON.stringify(signal), updated_at: new Date(at) })
    .where("id", "=", id)
    .returning(["team", "attempts", "gpus", "placement"])
    .executeTakeFirstOrThrow();
}

/** A job the core can never place fails; its team comes back (none when the job is gone). */
export async function failRefusedJob(
  trx: Transaction<Database>,
  id: string,
  at: Millis,
): Promise<string | undefined> {
  const now = new Date(at);
  const row = await trx
    .updateTable("jobs")
    .set({ state: "failed", finished_at: now, updated_at: now })
    .where("id", "=", id)
    .returning(["team"])
    .executeTakeFirst();
  return row?.team;
}

export async function markJobRunning(trx: Transaction<Database>, id: string, at: Millis): Promise<void> {
  await trx
    .updateTable("jobs")
    .set({ state: "running", updated_at: new Date(at) })
    .where("id", "=", id)
    .execute();
}

/** A stopped run's job goes back to the queue, holding nothing. */
export async function requeueJob(trx: Transaction<Database>, id: string, at: Millis): Promise<void> {
  await trx
    .updateTable("jobs")
    .set({
      state: "queued",
      placement: null,
      runs_on: null,
      lent_from: [],
      signal: null,
      updated_at: new Date(at),
    })
    .where("id", "=", id)
    .execute();
}

/** A run's end is the job's: it holds nothing more. */
export async function finishJob(
  trx: Transaction<Database>,
  id: string,
  state: "succeeded" | "failed",
  at: Millis,
): Promise<void> {
  const now = new Date(at);
  await trx
    .updateTable("jobs")
    .set({
      state,
      placement: null,
      runs_on: null,
      lent_from: [],
      signal: null,
      finished_at: now,
      updated_at: now,
    })
    .where("id", "=", id)
    .execute();
}
