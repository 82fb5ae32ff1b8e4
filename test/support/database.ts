// Per-test-file databases on both back-ends: a fresh database in the shared PostgreSQL server, or
// a fresh in-memory PGlite. Each is migrated from empty, exactly as the service does at start-up.
// A PostgreSQL test database is dropped only when every test of its file passed, so a failure can
// be inspected: its name is printed, and the server's data directory is kept likewise
// (test/support/postgres-server.ts).
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterEach, inject } from "vitest";
import { type DatabaseHandle, openDatabase } from "../../src/adapters/db/connect.ts";
import { migrate } from "../../src/adapters/db/migrate.ts";

export type Backend = "postgres" | "pglite";
export const BACKENDS: readonly Backend[] = ["postgres", "pglite"];

export interface TestDatabase {
  readonly handle: DatabaseHandle;
  /** Set for PostgreSQL: the URL of this test's own database (for a second process). */
  readonly url: string | undefined;
  drop(keep?: boolean): Promise<void>;
}

// Vitest evaluates this module once per test file (isolated), so the flag is the file's own.
let fileHasFailure = false;
afterEach((context) => {
  if (context.task.result?.state === "fail") fileHasFailure = true;
});

export async function createTestDatabase(backend: Backend, options: { migrate?: boolean } = {}) {
  let url: string | undefined;
  let name: string | undefined;
  let admin: pg.Client | undefined;
  if (backend === "postgres") {
    const serverUrl = inject("postgresUrl");
    name = `berth_test_${randomBytes(6).toString("hex")}`;
    admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const u = new URL(serverUrl);
    u.pathname = `/${name}`;
    url = u.toString();
  }
  const handle = await openDatabase({ databaseUrl: url, dataDir: "memory://" });
  if (options.migrate !== false) await migrate(handle.db);
  const db: TestDatabase = {
    handle,
    url,
    async drop(keep = fileHasFailure) {
      await handle.close();
      if (admin && name) {
        if (keep) console.warn(`kept the failed test's database for inspection: ${url}`);
        else await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await admin.end();
      }
    },
  };
  return db;
}
