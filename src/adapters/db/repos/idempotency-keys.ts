// The idempotency_keys table: the first answer to a POST per (token, Idempotency-Key).
import type { Kysely, Transaction } from "kysely";
import type { Database } from "../tables.ts";

export interface StoredAnswer {
  readonly requestHash: string;
  readonly status: number;
  readonly body: unknown;
}

export async function findStoredAnswer(
  db: Kysely<Database>,
  tokenId: string,
  key: string,
): Promise<StoredAnswer | undefined> {
  const row = await db
    .selectFrom("idempotency_keys")
    .select(["request_hash", "status", "body"])
    .where("token_id", "=", tokenId)
    .where("key", "=", key)
    .executeTakeFirst();
  return row ? { requestHash: row.request_hash, status: row.status, body: row.body } : undefined;
}

/** Stores the answer unless one is stored already (the first answer wins). */
export async function storeAnswer(
  db: Kysely<Database>,
  tokenId: string,
  key: string,
  answer: StoredAnswer,
): Promise<void> {
  await db
    .insertInto("idempotency_keys")
    .values({
      token_id: tokenId,
      key,
      request_hash: answer.requestHash,
      status: answer.status,
      body: answer.body as string,
    })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/**
 * Stores the answer as part of the caller's transaction, with the write it answers. No "first
 * wins" here: a key already stored means another request with it wrote already, and the
 * primary-key violation (23505) aborts this write (sql-errors.ts names it).
 */
export async function insertAnswer(
  trx: Transaction<Database>,
  row: { tokenId: string; key: string } & StoredAnswer,
): Promise<void> {
  await trx
    .insertInto("idempotency_keys")
    .values({
      token_id: row.tokenId,
      key: row.key,
      request_hash: row.requestHash,
      status: row.status,
      body: row.body as string,
    })
    .execute();
}

/** Forgets answers stored before `before`: a retry after that runs again. */
export async function deleteAnswersBefore(db: Kysely<Database>, before: Date): Promise<number> {
  const r = await db.deleteFrom("idempotency_keys").where("created_at", "<", before).executeTakeFirst();
  return Number(r.numDeletedRows);
}
