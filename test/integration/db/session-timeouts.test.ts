// The database never leaves a booking hanging, and a lock the batch cannot release never outlives
// its connection (src/adapters/db/connect.ts, advisory-locks.ts): on PostgreSQL every session has a
// lock_timeout and a statement_timeout, a booking stuck behind a lock another session holds is
// answered "busy, retry" (503) once the lock timeout runs out, and a batch whose unlock fails has
// its connection destroyed, so its session's locks go with it. PGlite is one session: it never
// waits for a lock, so neither applies there.
import { sql } from "kysely";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { underBatchLocks } from "../../../src/adapters/db/advisory-locks.ts";
import { type DatabaseHandle, openDatabase } from "../../../src/adapters/db/connect.ts";
import { translateSqlError } from "../../../src/adapters/db/sql-errors.ts";
import { problemOf } from "../../../src/api/problem.ts";
import { DomainError } from "../../../src/basics/domain-error.ts";
import { DEFAULT_BOOKING_RULES } from "../../../src/core/index.ts";
import { createTeam } from "../../../src/services/access/teams.ts";
import { bookBatched } from "../../../src/services/booking/booking-batch.ts";
import { createBookingState } from "../../../src/services/booking/booking-state.ts";
import { poolLockKey } from "../../../src/services/booking/transactions.ts";
import type { Principal, ServiceContext } from "../../../src/services/context.ts";
import { putPool } from "../../../src/services/inventory/pools.ts";
import { HOUR, T0 } from "../../support/api-harness.ts";
import { createTestDatabase, type TestDatabase } from "../../support/database.ts";

const admin: Principal = { tokenId: "tok-admin", name: "admin", role: "admin", team: null };
const LOCK_TIMEOUT_MS = 300;

/** Settles with "still waiting" if `p` has not settled within `ms`: a hang fails the test, not the run. */
function within<T>(p: Promise<T>, ms: number): Promise<T | "still waiting"> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"still waiting">((resolve) => {
    timer = setTimeout(() => resolve("still waiting"), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

describe("database timeouts and dropped connections on PostgreSQL", () => {
  let t: TestDatabase;
  let berth: DatabaseHandle;
  let ctx: ServiceContext;

  beforeAll(async () => {
    t = await createTestDatabase("postgres");
    berth = await openDatabase({
      databaseUrl: t.url,
      dataDir: "memory://",
      lockTimeoutMs: LOCK_TIMEOUT_MS,
      statementTimeoutMs: 2_000,
    });
    ctx = {
      db: berth.db,
      dbKind: berth.kind,
      clock: { now: () => T0 },
      rules: DEFAULT_BOOKING_RULES,
      logger: pino({ level: "silent" }),
      booking: createBookingState(),
      changed: () => {},
    };
    await createTeam(ctx, admin, { name: "t1" });
    await putPool(ctx, admin, {
      name: "P",
      product: "Tesla-P",
      computeCapability: "7.0",
      gpusPerNode: 4,
      nodes: 2,
    });
  });
  afterAll(async () => {
    await berth?.close();
    await t?.drop();
  });

  it("sets both timeouts on every session Berth opens", async () => {
    const shown = await berth.db.connection().execute(async (db) => ({
      lock: (await sql<{ lock_timeout: string }>`SHOW lock_timeout`.execute(db)).rows[0]?.lock_timeout,
      statement: (await sql<{ statement_timeout: string }>`SHOW statement_timeout`.execute(db)).rows[0]
        ?.statement_timeout,
    }));
    expect(shown).toEqual({ lock: "300ms", statement: "2s" });
  });

  it("answers a booking stuck behind a pool lock another session holds with a 503 once the lock timeout runs out", async () => {
    const booking = {
      pool: "P",
      team: "t1",
      nodes: 1,
      gpusPerNode: 1,
      start: T0 + 4 * HOUR,
      end: T0 + 5 * HOUR,
      priority: "normal" as const,
    };
    const started = Date.now();
    const outcome = await t.handle.db.connection().execute(async (other) => {
      await sql`SELECT pg_advisory_lock(hashtext(${poolLockKey("P")}))`.execute(other);
      try {
        return await within(
          bookBatched(ctx, admin, booking).then(
            () => "booked" as const,
            (err: unknown) => err,
          ),
          5_000,
        );
      } finally {
        await sql`SELECT pg_advisory_unlock(hashtext(${poolLockKey("P")}))`.execute(other);
      }
    });
    expect(outcome).toBeInstanceOf(DomainError);
    const problem = problemOf(outcome as DomainError);
    expect(problem.status).toBe(503);
    expect(problem.detail).toMatch(/lock timeout/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(LOCK_TIMEOUT_MS);
    // Nothing was booked, and once the lock is free the same booking goes through.
    const held = await sql<{ n: string }>`SELECT count(*) AS n FROM reservations WHERE pool = 'P'`.execute(
      t.handle.db,
    );
    expect(held.rows[0]?.n).toBe("0");
    await expect(bookBatched(ctx, admin, booking)).resolves.toMatchObject({ reservation: { pool: "P" } });
  });

  it("turns a statement past the statement timeout into a 503 problem", async () => {
    const err = await sql`SELECT pg_sleep(5)`.execute(berth.db).then(
      () => undefined,
      (e: unknown) => e,
    );
    const translated = translateSqlError(err);
    expect(translated).toBeInstanceOf(DomainError);
    expect(problemOf(translated as DomainError).status).toBe(503);
  });

  it("drops a batch's connection whose unlock failed, so its session locks go with it", async () => {
    const key = "berth:test:unlock-fails";
    const failures: unknown[] = [];
    let pid = 0;
    await underBatchLocks(
      berth.db,
      { keys: [key], pool: "P", teams: [] },
      async (conn) => {
        pid = (await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(conn)).rows[0]!.pid;
        // Leave the session in a failed transaction: the unlock that follows cannot run.
        await sql`BEGIN`.execute(conn);
        await sql`SELECT 1 / 0`.execute(conn).catch(() => {});
      },
      (err) => failures.push(err),
    );
    expect(failures).toHaveLength(1);
    // The session ends (the pool destroyed its client), and with it the lock it still held.
    const deadline = Date.now() + 5_000;
    for (;;) {
      const alive = await sql<{
        n: string;
      }>`SELECT count(*) AS n FROM pg_stat_activity WHERE pid = ${pid}`.execute(t.handle.db);
      if (alive.rows[0]?.n === "0") break;
      if (Date.now() > deadline) throw new Error(`session ${pid} still open 5 s after its unlock failed`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const free = await t.handle.db.connection().execute(async (other) => {
      const got = await sql<{ ok: boolean }>`SELECT pg_try_advisory_lock(hashtext(${key})) AS ok`.execute(
        other,
      );
      await sql`SELECT pg_advisory_unlock_all()`.execute(other);
      return got.rows[0]?.ok;
    });
    expect(free).toBe(true);
    // The pool goes on serving from other sessions.
    const next = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(berth.db);
    expect(next.rows[0]?.pid).not.toBe(pid);
  });
});
