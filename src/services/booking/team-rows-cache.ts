// Team rows as the booking batch reads them before its locks, only to choose which teams' locks
// to take (those whose quota can refuse). Read again under the lock, in the statement that reads
// the pool's hold version, so a stale row here can only take a lock for nothing or send a booking
// down the one-at-a-time path (services/booking/booking-batch.ts); it never decides a quota.
import type { Kysely } from "kysely";
import { getTeamRows } from "../../adapters/db/repos/teams.ts";
import type { Database, TeamRow } from "../../adapters/db/tables.ts";
import type { ServiceContext } from "../context.ts";

const TTL_MS = 1_000;

export class TeamRowsCache {
  private readonly rows = new Map<string, { at: number; row: TeamRow }>();

  async get(db: Kysely<Database>, names: readonly string[]): Promise<TeamRow[]> {
    const wall = Date.now();
    const out: TeamRow[] = [];
    const missing: string[] = [];
    for (const n of names) {
      const hit = this.rows.get(n);
      if (hit && wall - hit.at < TTL_MS) out.push(hit.row);
      else missing.push(n);
    }
    if (missing.length > 0) {
      for (const row of await getTeamRows(db, missing)) {
        this.rows.set(row.name, { at: wall, row });
        out.push(row);
      }
    }
    return out;
  }

  clear(): void {
    this.rows.clear();
  }
}

/** Drops the cached rows after this process changed a team (its quota). */
export function invalidateTeamRows(ctx: ServiceContext): void {
  ctx.booking.teams.clear();
}
