// The event outbox (docs/rules.md §4 event names). Events are written in the transaction that made the
// change, so a stream never shows a change that was rolled back, and ids give the commit order.
import { type Kysely, sql, type Transaction } from "kysely";
import type { Millis } from "../../../core/types.ts";
import type { Database } from "../tables.ts";

export interface StoredEvent {
  readonly id: string;
  readonly at: string;
  readonly type: string;
  readonly team: string | null;
  readonly data: Record<string, unknown>;
}

export async function appendEvent(
  trx: Transaction<Database>,
  at: Millis,
  type: string,
  team: string | null,
  data: Record<string, unknown>,
): Promise<void> {
  // One statement: the event, and the deliveries its team's webhooks are owed.
  await sql`
    WITH e AS (
      INSERT INTO events (at, type, team, data)
      VALUES (${new Date(at)}, ${type}, ${team}, ${JSON.stringify(data)}::jsonb)
      RETURNING id, type, team
    )
    ${webhookFanOut(new Date(at).toISOString())}`.execute(trx);
}

/**
 * The webhook fan-out, the one rule for every writer of events: each event of the rows a
 * preceding CTE named `e` returned (`id, type, team`) is owed a delivery by every webhook of its
 * team subscribed to its type, due at `at`. Returns one row per delivery queued.
 */
export function webhookFanOut(at: string) {
  return sql`INSERT INTO webhook_deliveries (webhook_id, event_id, next_attempt_at)
    SELECT w.id, e.id, ${at}::timestamptz FROM webhooks w JOIN e ON w.team = e.team
    WHERE e.type = ANY (w.events)
    RETURNING 1`;
}

/**
 * Up to `limit` events after the event `afterId`, in (txid, id) order, and only events of
 * transactions below the horizon of the oldest one still running, so a transaction that commits
 * late can never land behind a cursor already handed out (migration 20261204T161000Z says why).
 * A cursor whose event is gone (retention) resumes by id alone.
 */
export async function eventsAfter(
  db: Kysely<Database>,
  afterId: string,
  limit: number,
  team?: string,
): Promise<StoredEvent[]> {
  const t = team ?? null;
  const { rows } = await sql<{
    id: string;
    at: Date;
    type: string;
    team: string | null;
    data: Record<string, unknown>;
  }>`
    WITH c AS (SELECT txid FROM events WHERE id = ${afterId}::bigint)
    SELECT e.id::text AS id, e.at, e.type, e.team, e.data
    FROM events e
    WHERE e.txid < pg_snapshot_xmin(pg_current_snapshot())
      AND CASE WHEN EXISTS (SELECT 1 FROM c)
            THEN (e.txid, e.id) > ((SELECT txid FROM c), ${afterId}::bigint)
            ELSE e.id > ${afterId}::bigint END
      AND (${t}::text IS NULL OR e.team = ${t})
    ORDER BY e.txid, e.id
    LIMIT ${limit}`.execute(db);
  return rows.map((r) => ({ id: r.id, at: r.at.toISOString(), type: r.type, team: r.team, data: r.data }));
}

/** The last event below the horizon: a stream opened now starts after it. */
export async function lastEventId(db: Kysely<Database>): Promise<string> {
  const { rows } = await sql<{ id: string }>`
    SELECT id::text AS id FROM events
    WHERE txid < pg_snapshot_xmin(pg_current_snapshot())
    ORDER BY txid DESC, id DESC LIMIT 1`.execute(db);
  return rows[0]?.id ?? "0";
}

/**
 * Deletes up to `batch` events older than `before` that no webhook delivery still waits for
 * (a pending delivery needs its event's body); returns how many.
 */
export async function deleteEventsBefore(db: Kysely<Database>, before: Date, batch: number): Promise<number> {
  const r = await sql`
    DELETE FROM events WHERE id IN (
      SELECT e.id FROM events e
      WHERE e.at < ${before}
        AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id)
      ORDER BY e.id LIMIT ${batch})`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}
