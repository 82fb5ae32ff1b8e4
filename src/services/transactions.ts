// Write transactions of the booking path. Serialised by transaction-scoped advisory locks (team,
// then pool: every booking takes them in that order, so two bookings never wait on each other in a
// cycle) rather than SERIALIZABLE: under contention SERIALIZABLE aborts most racers and retries
// them, while the lock queues them and each sees the last one's commit. Serialisation failures,
// deadlocks and a slot clash the exclusion constraint caught are retried a few times all the same.
import { sql, type Transaction } from "kysely";
import { sqlState, translateSqlError } from "../adapters/db/sql-errors.ts";
import type { Database } from "../adapters/db/tables.ts";
import type { ServiceContext } from "./context.ts";

const RETRYABLE = new Set(["40001", "40P01", "23P01"]);
const MAX_ATTEMPTS = 4;

export function poolLockKey(pool: string): string {
  return `berth:pool:${pool}`;
}
export function teamLockKey(team: string): string {
  return `berth:team:${team}`;
}

export async function inLockedTransaction<T>(
  ctx: ServiceContext,
  lockKeys: readonly string[],
  work: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await ctx.db.transaction().execute(async (trx) => {
        // One round trip for all locks; PostgreSQL evaluates the select list left to right, so
        // they are taken in the order given.
        if (lockKeys.length > 0) {
          const calls = sql.join(lockKeys.map((k) => sql`pg_advisory_xact_lock(hashtext(${k}))`));
          await sql`SELECT ${calls}`.execute(trx);
        }
        return work(trx);
      });
    } catch (err) {
      const state = sqlState(err);
      if (state && RETRYABLE.has(state) && attempt < MAX_ATTEMPTS) {
        ctx.logger.debug({ state, attempt }, "retrying a booking transaction");
        continue;
      }
      throw translateSqlError(err);
    }
  }
}
