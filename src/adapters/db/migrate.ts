// Migration runner: plain SQL files in migrations/, named by UTC timestamp so parallel work never
// clashes, applied in name order. A session-level advisory lock serialises concurrent runners
// (two replicas starting at once); each file runs in its own transaction, so a failure leaves the
// earlier ones applied and the failing one absent. Kysely's Migrator was not used because it runs
// the whole batch in one transaction on PostgreSQL.
import { readdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Kysely, sql } from "kysely";
import type { Database } from "./tables.ts";

export const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), "../../../migrations");
/** Arbitrary constant naming "Berth's migrations" among advisory locks. */
const MIGRATION_LOCK_KEY = 7_346_201_001;

export interface MigrationResult {
  readonly applied: string[];
  readonly alreadyApplied: string[];
}

export async function listMigrations(dir = MIGRATIONS_DIR): Promise<string[]> {
  return (await readdir(dir)).filter((f) => /^\d{8}T\d{6}Z-[a-z0-9-]+\.sql$/.test(f)).sort();
}

export async function migrate(db: Kysely<Database>, dir = MIGRATIONS_DIR): Promise<MigrationResult> {
  const files = await listMigrations(dir);
  return db.connection().execute(async (conn) => {
    // A runner waits for another replica's migrations however long they take, and a migration
    // may rewrite a large table: neither of the session's timeouts (connect.ts) applies here.
    await sql`SET lock_timeout = 0; SET statement_timeout = 0`.execute(conn);
    await sql`SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY})`.execute(conn);
    try {
      await sql`CREATE TABLE IF NOT EXISTS berth_migrations (
        name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`.execute(conn);
      const done = new Set(
        (await sql<{ name: string }>`SELECT name FROM berth_migrations`.execute(conn)).rows.map(
          (r) => r.name,
        ),
      );
      const applied: string[] = [];
      for (const file of files) {
        if (done.has(file)) continue;
        const text = await readFile(join(dir, file), "utf8");
        await conn.transaction().execute(async (trx) => {
          // Multi-statement text: sent without parameters, so the simple query protocol runs it whole.
          await sql.raw(text).execute(trx);
          await sql`INSERT INTO berth_migrations (name) VALUES (${file})`.execute(trx);
        });
        applied.push(file);
      }
      return { applied, alreadyApplied: files.filter((f) => done.has(f)) };
    } finally {
      await sql`SELECT pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.execute(conn);
      await sql`RESET lock_timeout; RESET statement_timeout`.execute(conn);
    }
  });
}
