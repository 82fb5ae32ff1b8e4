// Transaction-scoped advisory locks: named keys (a pool, a team) hashed to PostgreSQL lock ids,
// released by the commit or rollback of the transaction that took them.
import { sql, type Transaction } from "kysely";
import type { Database } from "./tables.ts";

/**
 * Takes the locks in the order given, in one round trip: PostgreSQL evaluates a select list left
 * to right, so every caller that orders its keys the same way can never deadlock on them.
 */
export async function lockForTransaction(trx: Transaction<Database>, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  const calls = sql.join(keys.map((k) => sql`pg_advisory_xact_lock(hashtext(${k}))`));
  await sql`SELECT ${calls}`.execute(trx);
}
