// The stream_tickets table: single-use tickets for the event stream, stored as hashes.
import type { Kysely } from "kysely";
import type { Millis } from "../../../core/types.ts";
import type { Database } from "../tables.ts";

export async function insertStreamTicket(
  db: Kysely<Database>,
  t: { readonly hash: string; readonly tokenId: string; readonly expiresAt: Millis },
): Promise<void> {
  await db
    .insertInto("stream_tickets")
    .values({ ticket_hash: t.hash, token_id: t.tokenId, expires_at: new Date(t.expiresAt) })
    .execute();
}

/** Deletes the ticket and returns what it held: a ticket is used at most once. */
export async function takeStreamTicket(
  db: Kysely<Database>,
  hash: string,
): Promise<{ tokenId: string; expiresAt: Millis } | undefined> {
  const row = await db
    .deleteFrom("stream_tickets")
    .where("ticket_hash", "=", hash)
    .returning(["token_id", "expires_at"])
    .executeTakeFirst();
  return row ? { tokenId: row.token_id, expiresAt: row.expires_at.getTime() } : undefined;
}

/** Deletes tickets that expired before `before` (unused ones: a used ticket is deleted at once). */
export async function deleteExpiredTickets(db: Kysely<Database>, before: Date): Promise<number> {
  const r = await db.deleteFrom("stream_tickets").where("expires_at", "<", before).executeTakeFirst();
  return Number(r.numDeletedRows);
}
