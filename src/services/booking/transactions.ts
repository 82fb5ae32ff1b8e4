// Write transactions of the booking path. A booking first runs optimistically: only the team's
// advisory lock is held (its quota must be read and charged atomically), the pool is not locked,
// and the exclusion constraint on slot rows catches a concurrent booking that took the same GPUs
// (23P01), as does a displacement whose victim another booking already took. Such a clash is
// retried with a fresh snapshot, and from the second attempt on with the pool's lock as well, so
// heavy contention degrades to a queue instead of a retry storm. Locks are always taken team, then
// pool, so two bookings never wait on each other in a cycle; under them, rows are locked in the
// order stated above `lockReservationRows` (src/adapters/db/repos/reservations.ts). SERIALIZABLE was rejected: under
// contention it aborts most racers, and PGlite (one session) cannot exercise it.
import type { Transaction } from "kysely";
import { lockForTransaction } from "../../adapters/db/advisory-locks.ts";
import { sqlState, translateSqlError } from "../../adapters/db/sql-errors.ts";
import type { Database } from "../../adapters/db/tables.ts";
import type { ServiceContext } from "../context.ts";

const RETRYABLE = new Set(["40001", "40P01", "23P01"]);
const MAX_ATTEMPTS = 4;

export function poolLockKey(pool: string): string {
  return `berth:pool:${pool}`;
}
export function teamLockKey(team: string): string {
  return `berth:team:${team}`;
}

/** Thrown inside a booking transaction when what it read changed under it: retried like 40001. */
export class StaleSnapshot extends Error {
  readonly code = "40001";
}

export interface LockPlan {
  /** Held on every attempt. */
  readonly always: readonly string[];
  /** Added from the second attempt on (after an optimistic attempt clashed). */
  readonly onRetry?: readonly string[];
}

export async function inLockedTransaction<T>(
  ctx: ServiceContext,
  locks: readonly string[] | LockPlan,
  work: (trx: Transaction<Database>, attempt: number) => Promise<T>,
): Promise<T> {
  const plan: LockPlan = Array.isArray(locks) ? { always: locks } : (locks as LockPlan);
  for (let attempt = 1; ; attempt++) {
    const keys = attempt === 1 ? plan.always : [...plan.always, ...(plan.onRetry ?? [])];
    try {
      const result = await ctx.db.transaction().execute(async (trx) => {
        await lockForTransaction(trx, keys);
        return work(trx, attempt);
      });
      return result;
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
