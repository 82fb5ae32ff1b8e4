// The scheduling cycle's decisions: each persisted with the state it implies, as an `intent` when
// something outside the database must act on it (launch, stop) and `applied` once that is done.
// Intents left by a crash are what the next cycle applies again first.
import { type Kysely, type Selectable, sql, type Transaction } from "kysely";
import type { Millis } from "../../../core/types.ts";
import type { Database, DecisionsTable } from "../tables.ts";

type Handle = Kysely<Database> | Transaction<Database>;
export type DecisionRow = Selectable<DecisionsTable>;

export interface DecisionRecord {
  readonly at: Millis;
  readonly kind: string;
  readonly job: string | null;
  readonly reservation: string | null;
  readonly payload: Record<string, unknown>;
  /** True when the executor still has to act on it. */
  readonly pending: boolean;
}

/** Stores one decision; its id comes back. */
export async function insertDecision(trx: Transaction<Database>, d: DecisionRecord): Promise<string> {
  const row = await trx
    .insertInto("decisions")
    .values({
      at: new Date(d.at),
      kind: d.kind,
      job_id: d.job,
      reservation_id: d.reservation,
      payload: JSON.stringify(d.payload),
      state: d.pending ? "intent" : "applied",
      applied_at: d.pending ? null : new Date(d.at),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Intents not confirmed yet, in the order they were decided. */
export async function listPendingDecisions(db: Handle): Promise<DecisionRow[]> {
  return db.selectFrom("decisions").selectAll().where("state", "=", "intent").orderBy("id").execute();
}

export async function markDecisionsApplied(db: Handle, ids: readonly string[], at: Millis): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable("decisions")
    .set({ state: "applied", applied_at: new Date(at) })
    .where("id", "in", [...ids])
    .execute();
}

/** Deletes up to `batch` decisions settled (applied or failed) before `before`; intents stay. */
export async function deleteSettledDecisionsBefore(
  db: Kysely<Database>,
  before: Date,
  batch: number,
): Promise<number> {
  const r = await sql`
    DELETE FROM decisions WHERE id IN (
      SELECT id FROM decisions WHERE state <> 'intent' AND at < ${before} ORDER BY id LIMIT ${batch})`.execute(
    db,
  );
  return Number(r.numAffectedRows ?? 0);
}
