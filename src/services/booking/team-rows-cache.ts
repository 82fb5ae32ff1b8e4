// Team rows as the booking batch reads them before its transaction, only to choose which teams'
// locks to take (those whose quota can refuse). Read again under the lock, in the statement that
// reads the pool's hold version, so a stale row here can only take a lock for nothing or send a
// booking down the one-at-a-time path (services/booking-batch.ts); it never decides a quota.
import type { Kysely } from "kysely";
import { getTeamRows } from "../../adapters/db/repos/teams.ts";
import type { Database, TeamRow } from "../../adapters/db/tables.ts";
import type { ServiceContext } from "../context.ts";

const TTL_MS = 1_000;
const cache = new WeakMap<Kysely<Database>, Map<string, { at: number; row: TeamRow }>>();

export async function cachedTeamRows(ctx: ServiceContext, names: readonly string[]): Promise<TeamRow[]> {
  let perDb = cache.get(ctx.db);
  if (!perDb) {
    perDb = new Map();
    cache.set(ctx.db, perDb);
  }
  const wall = Date.now();
  const out: TeamRow[] = [];
  const missing: string[] = [];
  for (const n of names) {
    const hit = perDb.get(n);
    if (hit && wall - hit.at < TTL_MS) out.push(hit.row);
    else missing.push(n);
  }
  if (missing.length > 0) {
    const rows = await getTeamRows(ctx.db, missing);
    for (const row of rows) {
      perDb.set(row.name, { at: wall, row });
      out.push(row);
    }
  }
  return out;
}

/** Drops the cached rows after this process changed a team (its quota). */
export function invalidateTeamRows(ctx: ServiceContext): void {
  cache.delete(ctx.db);
}
