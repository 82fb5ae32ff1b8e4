// The pool_hold_versions table (migrations/20261128T100000Z, 20261128T130000Z): a counter per
// pool that every write to its held reservations bumps, in the writing transaction, by trigger.
// The booking path reads a pool's holds with the version they are at (`loadPoolHoldsWithVersion`),
// and trusts what it keeps in memory only while the version has not moved
// (services/booking/pool-holds-memory.ts says when, whole).
import { type Kysely, sql, type Transaction } from "kysely";
import type { Millis } from "../../../core/types.ts";
import type { Database, ReservationRow } from "../tables.ts";

type Handle = Kysely<Database> | Transaction<Database>;

/** The pools' hold versions (migrations/20261128T100000Z), in one statement: 0 before a pool's first reservation. */
export async function readPoolHoldVersions(
  db: Handle,
  pools: readonly string[],
): Promise<Map<string, string>> {
  const versions = new Map(pools.map((p) => [p, "0"]));
  if (pools.length === 0) return versions;
  const rows = await db
    .selectFrom("pool_hold_versions")
    .select(["pool", "version"])
    .where("pool", "in", [...pools])
    .execute();
  for (const r of rows) versions.set(r.pool, String(r.version));
  return versions;
}

/**
 * The pool's hold version as this transaction leaves it, and the version before its own writes
 * when nobody else's came between them (migrations/20261128T130000Z); null when another
 * transaction bumped it last (or nobody ever did).
 */
export async function ownHoldVersionBumps(
  trx: Transaction<Database>,
  pool: string,
): Promise<{ before: string; after: string } | null> {
  const result = await sql<{ version: string; bumps: number; mine: boolean | null }>`
    SELECT version::text AS version, bumps_in_a_row AS bumps, bumped_by = pg_current_xact_id() AS mine
    FROM pool_hold_versions WHERE pool = ${pool}`.execute(trx);
  const row = result.rows[0];
  if (!row?.mine) return null;
  return { before: String(BigInt(row.version) - BigInt(row.bumps)), after: row.version };
}

/**
 * Every hold of the pool ending after `now`, with the pool's hold version, in one statement (so
 * from one snapshot: the version says exactly which writes the rows include).
 */
export async function loadPoolHoldsWithVersion(
  db: Handle,
  pool: string,
  now: Millis,
): Promise<{ version: string; rows: ReservationRow[] }> {
  const result = await sql<ReservationRow & { hold_version: string }>`
    SELECT v.hold_version, r.*
    FROM (SELECT coalesce((SELECT version FROM pool_hold_versions WHERE pool = ${pool}), 0) AS hold_version) AS v
    LEFT JOIN reservations r
      ON r.pool = ${pool} AND r.state = 'confirmed' AND r.end_at > ${new Date(now).toISOString()}::timestamptz`.execute(
    db,
  );
  const version = String(result.rows[0]?.hold_version ?? "0");
  const rows = result.rows
    .filter((r) => r.id !== null)
    .map(({ hold_version: _v, ...row }) => row as ReservationRow);
  return { version, rows };
}
