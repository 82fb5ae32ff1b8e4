// The booking path's advisory locks: named keys (a pool, a team) hashed to PostgreSQL lock ids.
// Two kinds: transaction-scoped ones, released by the commit or rollback of the transaction that
// took them (a one-at-a-time booking, a cancel, a change of end), and a booking batch's
// session-level ones, held across its reads and its one-statement write and released after it
// (`underBatchLocks`). Every wait is bounded by the session's lock_timeout (connect.ts).
import { type Kysely, sql, type Transaction } from "kysely";
import { dropConnection, preparedAs } from "./prepared-statements.ts";
import type { Database, TeamRow } from "./tables.ts";

/**
 * Takes the locks in the order given, in one round trip: PostgreSQL evaluates a select list left
 * to right, so every caller that orders its keys the same way can never deadlock on them.
 */
export async function lockForTransaction(trx: Transaction<Database>, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  const calls = sql.join(keys.map((k) => sql`pg_advisory_xact_lock(hashtext(${k}))`));
  await sql`SELECT ${calls}`.execute(trx);
}

/**
 * Takes the batch's advisory locks at session level, in order, then reads the pool's hold version
 * and the teams' rows under them (migrations/20261128T103000Z): one round trip. The caller must
 * release them with `unlockBatch` on the same connection.
 */
export async function lockBatch(
  db: Kysely<Database>,
  keys: readonly string[],
  pool: string,
  teams: readonly string[],
): Promise<{ version: string; teams: TeamRow[] }> {
  const result = await sql<{ hold_version: string; team: TeamRow | null }>`${preparedAs("berth_batch_lock")}
    SELECT hold_version, team FROM berth_batch_lock(${keys}::text[], ${pool}, ${teams}::text[])`.execute(db);
  return {
    version: String(result.rows[0]?.hold_version ?? "0"),
    teams: result.rows.flatMap((r) => (r.team ? [r.team] : [])),
  };
}

/**
 * Runs `work` on one connection holding the batch's session locks (`lockBatch`), and releases them
 * whatever happens, before the connection goes back to the pool. A release that fails (a broken or
 * aborted session) leaves what the session holds unknown: that connection is destroyed instead of
 * reused (its locks end with its session), and the failure goes to `onReleaseFailed`.
 */
export async function underBatchLocks<T>(
  db: Kysely<Database>,
  lock: { readonly keys: readonly string[]; readonly pool: string; readonly teams: readonly string[] },
  work: (conn: Kysely<Database>, locked: { version: string; teams: TeamRow[] }) => Promise<T>,
  onReleaseFailed: (err: unknown) => void,
): Promise<T> {
  return db.connection().execute(async (conn) => {
    try {
      return await work(conn, await lockBatch(conn, lock.keys, lock.pool, lock.teams));
    } finally {
      try {
        await unlockBatch(conn, lock.keys);
      } catch (err) {
        onReleaseFailed(err);
        await dropConnection(conn);
      }
    }
  });
}

/** Releases what `lockBatch` took (a key not held is skipped with a warning in the server log). */
export async function unlockBatch(db: Kysely<Database>, keys: readonly string[]): Promise<void> {
  await sql`${preparedAs("berth_batch_unlock")}
    SELECT pg_advisory_unlock(hashtext(k)) FROM unnest(${keys}::text[]) AS k`.execute(db);
}
