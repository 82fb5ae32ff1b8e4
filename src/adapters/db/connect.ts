// Opens the database: Kysely over node-postgres for a real PostgreSQL when a URL is given, else the
// embedded PGlite under the data directory. PGlite is reached through its own node-postgres
// adapter with Kysely's standard PostgresDialect (kysely-pglite ignores isolation levels
// and lets concurrent transactions share one session, which lost committed rows).
import { chmod, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { btree_gist } from "@electric-sql/pglite/contrib/btree_gist";
import { createPgConfig } from "@electric-sql/pglite/node-postgres";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { PreparingClient, takeDropMark } from "./prepared-statements.ts";
import type { Database } from "./tables.ts";

export interface DatabaseHandle {
  readonly db: Kysely<Database>;
  /** `pglite` is one session: a single replica only, and lock waits never happen. */
  readonly kind: "postgres" | "pglite";
  /** Where it lives, without credentials (for the log). */
  readonly where: string;
  close(): Promise<void>;
}

export interface OpenOptions {
  readonly databaseUrl?: string | undefined;
  /** PGlite data directory; `memory://` keeps it in memory (tests). */
  readonly dataDir: string;
  readonly poolSize?: number;
  readonly onIdleError?: (err: Error) => void;
  /**
   * PostgreSQL only: how long a statement may wait for a lock (advisory locks included) and how
   * long it may run before the server cancels it, in milliseconds; 0 = no limit. PGlite is one
   * session, which never waits for a lock, and is left without them.
   */
  readonly lockTimeoutMs?: number;
  readonly statementTimeoutMs?: number;
}

/** Defaults of the two timeouts (src/config.ts lets an operator change them). */
export const DEFAULT_LOCK_TIMEOUT_MS = 10_000;
export const DEFAULT_STATEMENT_TIMEOUT_MS = 60_000;

/**
 * What Kysely checks connections out of: the pool, except that a client `dropConnection` marked is
 * destroyed on release (node-postgres removes a client released with an error) instead of being
 * handed, with whatever its session still holds, to the next caller.
 */
function droppingMarked(pool: pg.Pool) {
  return {
    Client: PreparingClient,
    options: pool.options,
    connect: async () => {
      const client = await pool.connect();
      const release = client.release.bind(client);
      // Kysely releases with `false` when it has nothing against the client.
      client.release = (err?: Error | boolean) =>
        release(
          err || (takeDropMark(client) ? new Error("dropped: its session state is unknown") : undefined),
        );
      return client;
    },
    end: () => pool.end(),
  };
}

export async function openDatabase(options: OpenOptions): Promise<DatabaseHandle> {
  if (options.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.poolSize ?? 20,
      Client: PreparingClient,
      // Startup parameters of every session, so no statement waits or runs without end.
      lock_timeout: options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS,
      statement_timeout: options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS,
    });
    // An idle connection the server closes (restart, admin command) is dropped from the pool and
    // replaced on next use; without a listener the emitted error would crash the process.
    pool.on("error", (err) => options.onIdleError?.(err));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: droppingMarked(pool) }) });
    const url = new URL(options.databaseUrl);
    return {
      db,
      kind: "postgres",
      where: `${url.hostname}:${url.port || 5432}${url.pathname}`,
      close: () => db.destroy(),
    };
  }
  const dir = options.dataDir === "memory://" ? "memory://" : join(options.dataDir, "pglite");
  if (dir !== "memory://") {
    // The database files hold every team's data: the owner alone may read them. chmod as well,
    // since mkdir's mode applies only to directories it creates (older Berths made them 0755).
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(options.dataDir, 0o700);
    await chmod(dir, 0o700);
  }
  const pglite = await PGlite.create(dir, { extensions: { btree_gist } });
  // One connection: PGlite is a single session. Idle clients are never closed, so the session
  // (and a transaction's view of it) is not torn down under a waiting caller.
  const pool = new pg.Pool({
    ...createPgConfig(pglite),
    max: 1,
    idleTimeoutMillis: 0,
    Client: PreparingClient,
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    kind: "pglite",
    where: dir,
    close: async () => {
      await db.destroy();
      await pglite.close();
    },
  };
}
