// The event outbox (CONTRACTS §4 event names). Events are written in the transaction that made the
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
  // One statement: the event, and a delivery for each of the team's webhooks subscribed to its type.
  await sql`
    WITH e AS (
      INSERT INTO events (at, type, team, data)
      VALUES (${new Date(at)}, ${type}, ${team}, ${JSON.stringify(data)}::jsonb)
      RETURNING id
    )
    INSERT INTO webhook_deliveries (webhook_id, event_id, next_attempt_at)
    SELECT w.id, e.id, ${new Date(at)} FROM webhooks w, e
    WHERE w.team = ${team} AND ${type} = ANY (w.events)`.execute(trx);
}

export async function eventsAfter(
  db: Kysely<Database>,
  afterId: string,
  limit: number,
  team?: string,
): Promise<StoredEvent[]> {
  let q = db
    .selectFrom("events")
    .selectAll()
    .where("id", ">", afterId as never);
  if (team !== undefined) q = q.where("team", "=", team);
  const rows = await q.orderBy("id").limit(limit).execute();
  return rows.map((r) => ({ id: r.id, at: r.at.toISOString(), type: r.type, team: r.team, data: r.data }));
}

export async function lastEventId(db: Kysely<Database>): Promise<string> {
  const row = await db
    .selectFrom("events")
    .select((eb) => eb.fn.max("id").as("id"))
    .executeTakeFirst();
  return (row?.id as string | null) ?? "0";
}
