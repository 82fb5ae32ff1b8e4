// Where a crash test's server keeps its data (its own module: berth-process.ts is imported by the
// benchmarks too, outside vitest, and the test database registers vitest hooks).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Backend, createTestDatabase } from "./database.ts";

/**
 * Where a crash test's server keeps its data: a fresh data directory, and on PostgreSQL a fresh
 * database; `env` starts `berth serve` on them (no-show release off), `cleanup` removes both.
 */
export async function crashTestStorage(backend: Backend, prefix: string, adminToken: string) {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const db = backend === "postgres" ? await createTestDatabase("postgres") : undefined;
  const env: Record<string, string> = {
    BERTH_ADMIN_TOKEN: adminToken,
    BERTH_DATA_DIR: dir,
    BERTH_NO_SHOW_SECONDS: "0",
    ...(db?.url ? { DATABASE_URL: db.url } : {}),
  };
  return {
    dir,
    db,
    env,
    async cleanup() {
      await db?.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
