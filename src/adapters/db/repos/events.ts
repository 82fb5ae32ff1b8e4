// The event outbox (CONTRACTS §4 event names). Events are written in the transaction that made the
// change, so a stream never shows a change that was rolled back, and ids give the commit order.
import type { Kysely, Transaction } from "kysely";
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
  const { id } = await trx
    .insertInto("events")
    .values({ at: new Date(at), type, team, data: JSON.stringify(data) })
    .returning("id")
    .executeTakeFirstOrThrow();
  // Fan out to the team's webhooks that subscribe to this type, in the same transaction.
  const hooks = await trx
    .selectFrom("webhooks")
    .select("id")
    .where("team", "=", team ?? "")
    .where((eb) => eb(eb.val(type), "=", eb.fn.any("events")))
    .execute();
  if (hooks.length > 0) {
    await trx
      .insertInto("webhook_deliveries")
      .values(hooks.map((h) => ({ webhook_id: h.id, event_id: id, next_attempt_at: new Date(at) })))
      .execute();
  }
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
