// FP16-vs-FP32 A/B checks of model versions: queued with the validation job that runs them (or
// imported finished), then judged by Berth on the report's numbers.
import { type Kysely, type Selectable, sql, type Transaction } from "kysely";
import type { AbCheckState, AbChecksTable, Database } from "../tables.ts";

type Handle = Kysely<Database> | Transaction<Database>;
export type AbCheckRow = Selectable<AbChecksTable>;
export type Fp16Arithmetic = "gpu" | "emulated-on-cpu";

export async function listAbCheckRows(db: Handle, q: { model?: string | undefined }): Promise<AbCheckRow[]> {
  let query = db.selectFrom("ab_checks").selectAll().orderBy("created_at").orderBy("id");
  if (q.model) query = query.where("model_id", "=", q.model);
  return query.execute();
}

export async function getAbCheckRow(db: Handle, id: string): Promise<AbCheckRow | undefined> {
  return db.selectFrom("ab_checks").selectAll().where("id", "=", id).executeTakeFirst();
}

/** The check a validation job runs, locked while its outcome is recorded. */
export async function lockAbCheckOfJob(
  trx: Transaction<Database>,
  job: string,
): Promise<AbCheckRow | undefined> {
  return trx.selectFrom("ab_checks").selectAll().where("job_id", "=", job).forUpdate().executeTakeFirst();
}

export interface AbVerdictRecord {
  readonly state: Extract<AbCheckState, "passed" | "failed" | "error">;
  readonly report: Readonly<Record<string, unknown>> | null;
  readonly reasons: readonly string[];
  readonly unlocksFp16: boolean;
  readonly fp16Arithmetic: Fp16Arithmetic | null;
}

export interface NewAbCheck {
  readonly id: string;
  readonly model: string;
  readonly job: string | null;
  readonly pool: string;
  readonly computeCapability: string;
  readonly data: string | null;
  /** An imported check comes judged already; a queued one has none yet. */
  readonly verdict?: AbVerdictRecord;
}

const verdictColumns = (v: AbVerdictRecord) => ({
  state: v.state,
  passed: v.state === "error" ? null : v.state === "passed",
  report: v.report === null ? null : JSON.stringify(v.report),
  reasons: JSON.stringify(v.reasons),
  unlocks_fp16: v.unlocksFp16,
  fp16_arithmetic: v.fp16Arithmetic,
  // The database's clock, not the service's: "the latest finished check" must follow the order
  // verdicts were recorded in, even when a test freezes the service clock.
  finished_at: sql<Date>`clock_timestamp()`,
});

/** Stores a check; the row comes back with its `created_at` (the database's commit order). */
export async function insertAbCheck(trx: Transaction<Database>, c: NewAbCheck): Promise<AbCheckRow> {
  return trx
    .insertInto("ab_checks")
    .values({
      id: c.id,
      model_id: c.model,
      job_id: c.job,
      pool: c.pool,
      compute_capability: c.computeCapability,
      data: c.data,
      ...(c.verdict ? verdictColumns(c.verdict) : { state: "queued", passed: null, report: null }),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function markAbCheckRunning(trx: Transaction<Database>, id: string): Promise<void> {
  await trx.updateTable("ab_checks").set({ state: "running" }).where("id", "=", id).execute();
}

export async function recordAbVerdict(
  trx: Transaction<Database>,
  id: string,
  v: AbVerdictRecord,
): Promise<void> {
  await trx.updateTable("ab_checks").set(verdictColumns(v)).where("id", "=", id).execute();
}

/**
 * The model's most recently finished check (passed or failed) for pools of one compute capability:
 * the one that decides promotions there. `created_at` orders them as they were recorded.
 */
export async function latestFinishedAbCheck(
  db: Handle,
  model: string,
  computeCapability: string,
): Promise<AbCheckRow | undefined> {
  return db
    .selectFrom("ab_checks")
    .selectAll()
    .where("model_id", "=", model)
    .where("compute_capability", "=", computeCapability)
    .where("state", "in", ["passed", "failed"])
    .orderBy("finished_at", "desc")
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(1)
    .executeTakeFirst();
}
