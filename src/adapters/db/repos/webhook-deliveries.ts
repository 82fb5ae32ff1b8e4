// The webhook_deliveries table: one row per (webhook, event) to send, queued with the event
// (repos/events.ts) and claimed by the sender.
import { type Kysely, sql, type Transaction } from "kysely";
import type { Millis } from "../../../core/types.ts";
import type { Database } from "../tables.ts";

/** A delivery due now, with what sending it needs. */
export interface DueDelivery {
  readonly webhook_id: string;
  readonly event_id: string;
  readonly attempts: number;
  readonly url: string;
  readonly secret: string;
  readonly type: string;
  readonly at: Date;
  readonly data: Record<string, unknown>;
}

/**
 * Claims up to `limit` due deliveries in event order and pushes each one's next attempt to
 * `retryAt(attempts + 1)` in the same transaction, so a crash mid-send retries it later rather
 * than never. One statement per claim with FOR UPDATE SKIP LOCKED: two replicas never send the
 * same delivery at once (an advisory lock was rejected: it would serialise every send).
 */
export async function claimDueDeliveries(
  trx: Transaction<Database>,
  now: Millis,
  limit: number,
  retryAt: (attempts: number) => Millis,
  /** Webhooks left alone this time (their receiver's breaker is open). */
  skipWebhooks: readonly string[] = [],
): Promise<DueDelivery[]> {
  const skip =
    skipWebhooks.length > 0 ? sql`AND d.webhook_id NOT IN (${sql.join([...skipWebhooks])})` : sql``;
  const { rows } = await sql<DueDelivery>`
    SELECT d.webhook_id, d.event_id, d.attempts, w.url, w.secret, e.type, e.at, e.data
    FROM webhook_deliveries d
    JOIN webhooks w ON w.id = d.webhook_id
    JOIN events e ON e.id = d.event_id
    WHERE d.delivered_at IS NULL AND d.failed_at IS NULL AND d.next_attempt_at <= ${new Date(now)} ${skip}
    ORDER BY d.event_id
    LIMIT ${limit}
    FOR UPDATE OF d SKIP LOCKED`.execute(trx);
  for (const r of rows) {
    await trx
      .updateTable("webhook_deliveries")
      .set({ next_attempt_at: new Date(retryAt(r.attempts + 1)), attempts: r.attempts + 1 })
      .where("webhook_id", "=", r.webhook_id)
      .where("event_id", "=", r.event_id)
      .execute();
  }
  return rows;
}

/**
 * Hands claimed deliveries back unsent (the claim's count of attempts undone), due again at `at`:
 * they wait behind an earlier delivery to the same receiver that failed, to keep a team's order.
 */
export async function deferDeliveries(
  db: Kysely<Database>,
  keys: readonly { readonly webhookId: string; readonly eventId: string }[],
  at: Millis,
): Promise<void> {
  for (const k of keys) {
    await db
      .updateTable("webhook_deliveries")
      .set((eb) => ({ attempts: eb("attempts", "-", 1), next_attempt_at: new Date(at) }))
      .where("webhook_id", "=", k.webhookId)
      .where("event_id", "=", k.eventId)
      .execute();
  }
}

/** Records one send's outcome: delivered, or the error (and given up when `giveUp`). */
export async function recordDeliveryOutcome(
  db: Kysely<Database>,
  key: { readonly webhookId: string; readonly eventId: string },
  outcome:
    | { readonly ok: true; readonly at: Millis }
    | { readonly ok: false; readonly error: string; readonly giveUpAt?: Millis },
): Promise<void> {
  await db
    .updateTable("webhook_deliveries")
    .set(
      outcome.ok
        ? { delivered_at: new Date(outcome.at), last_error: null }
        : {
            last_error: outcome.error,
            ...(outcome.giveUpAt !== undefined ? { failed_at: new Date(outcome.giveUpAt) } : {}),
          },
    )
    .where("webhook_id", "=", key.webhookId)
    .where("event_id", "=", key.eventId)
    .execute();
}

/** When the earliest pending delivery is due, or null when none is pending. */
export async function earliestPendingDelivery(db: Kysely<Database>): Promise<Millis | null> {
  const row = await db
    .selectFrom("webhook_deliveries")
    .select((eb) => eb.fn.min("next_attempt_at").as("t"))
    .where("delivered_at", "is", null)
    .where("failed_at", "is", null)
    .executeTakeFirst();
  return row?.t ? new Date(row.t as Date).getTime() : null;
}

/** Deletes up to `batch` deliveries delivered or given up before `before`; pending ones stay. */
export async function deleteSettledDeliveriesBefore(
  db: Kysely<Database>,
  before: Date,
  batch: number,
): Promise<number> {
  const r = await sql`
    DELETE FROM webhook_deliveries WHERE (webhook_id, event_id) IN (
      SELECT webhook_id, event_id FROM webhook_deliveries
      WHERE coalesce(delivered_at, failed_at) < ${before}
      LIMIT ${batch})`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}
