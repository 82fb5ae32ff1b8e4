// FP16-vs-FP32 A/B checks of model versions, with the report each was judged on.
import type { Kysely, Selectable, Transaction } from "kysely";
import type { AbChecksTable, Database } from "../tables.ts";

type Handle = Kysely<Database> | Transaction<Database>;
export type AbCheckRow = Selectable<AbChecksTable>;

export async function listAbCheckRows(db: Handle, q: { model?: string | undefined }): Promise<AbCheckRow[]> {
  let query = db.selectFrom("ab_checks").selectAll().orderBy("created_at");
  if (q.model) query = query.where("model_id", "=", q.model);
  return query.execute();
}

export interface NewAbCheck {
  readonly id: string;
  readonly model: string;
  readonly job: string | null;
  readonly passed: boolean | null;
  readonly report: Readonly<Record<string, unknown>> | null;
}

/**
 * Stores a check; its `created_at` comes back. That is the database's commit-time clock, not the
 * service clock: "latest check" must follow the order checks were recorded in, even when a test
 * freezes the service clock.
 */
export async function insertAbCheck(trx: Transaction<Database>, c: NewAbCheck): Promise<Date> {
  const row = await trx
    .insertInto("ab_checks")
    .values({
      id: c.id,
      model_id: c.model,
      job_id: c.job,
      passed: c.passed,
      state: c.passed ? "passed" : "failed",
      report: c.report === null ? null : JSON.stringify(c.report),
    })
    .returning("created_at")
    .executeTakeFirstOrThrow();
  return row.created_at;
}

/** The model's most recently recorded check. */
export async function latestAbCheck(db: Handle, model: string): Promise<AbCheckRow | undefined> {
  return db
    .selectFrom("ab_checks")
    .selectAll()
    .where("model_id", "=", model)
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(1)
    .executeTakeFirst();
}
