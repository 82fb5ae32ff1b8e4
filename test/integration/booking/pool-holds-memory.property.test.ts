// The pools' holds in memory (src/services/booking/pool-holds-memory.ts) against real PostgreSQL:
// two replicas, each with its own booking state and its own connections, book (in batches and
// alone, displacing), cancel and re-read concurrently, and the loop ends reservations behind
// their backs. After every step, whatever either replica serves as a pool's holds must be the
// table's held rows: memory may be stale and read again, never wrong.
import fc from "fast-check";
import { sql } from "kysely";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../../src/adapters/db/connect.ts";
import { endReservation } from "../../../src/adapters/db/repos/reservations.ts";
import { DomainError } from "../../../src/basics/domain-error.ts";
import { DEFAULT_BOOKING_RULES } from "../../../src/core/index.ts";
import type { Priority } from "../../../src/core/types.ts";
import { createTeam } from "../../../src/services/access/teams.ts";
import { book, cancelReservation } from "../../../src/services/booking/booking.ts";
import { bookBatched } from "../../../src/services/booking/booking-batch.ts";
import { createBookingState } from "../../../src/services/booking/booking-state.ts";
import { currentHolds } from "../../../src/services/booking/pool-holds-memory.ts";
import type { Principal, ServiceContext } from "../../../src/services/context.ts";
import { invalidateInventory } from "../../../src/services/inventory/inventory-cache.ts";
import { putPool } from "../../../src/services/inventory/pools.ts";
import { HOUR, T0 } from "../../support/api-harness.ts";
import { createTestDatabase, type TestDatabase } from "../../support/database.ts";

const RUNS = Number(process.env.BERTH_PROPERTY_RUNS ?? 25);
const admin: Principal = { tokenId: "tok-admin", name: "admin", role: "admin", team: null };
const now = T0;

const bookingArb = fc.record({
  kind: fc.constant("book" as const),
  replica: fc.integer({ min: 0, max: 1 }),
  alone: fc.boolean(),
  team: fc.constantFrom("t1", "t2"),
  nodes: fc.integer({ min: 1, max: 2 }),
  gpus: fc.integer({ min: 1, max: 4 }),
  // From 3 h on: outside the freeze, so higher priorities displace.
  fromHour: fc.integer({ min: 3, max: 12 }),
  hours: fc.integer({ min: 1, max: 4 }),
  priority: fc.constantFrom<Priority>("high", "normal", "low"),
});
const actionArb = fc.oneof(
  { weight: 5, arbitrary: bookingArb },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("cancel" as const),
      replica: fc.integer({ min: 0, max: 1 }),
      pick: fc.nat(),
    }),
  },
  // What the loop does behind both replicas' backs: a reservation ends.
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("end" as const), pick: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("read" as const), replica: fc.integer({ min: 0, max: 1 }) }),
  },
);
/** Steps of up to four actions that run concurrently. */
const stepsArb = fc.array(fc.array(actionArb, { minLength: 1, maxLength: 4 }), {
  minLength: 1,
  maxLength: 8,
});

type Action = typeof actionArb extends fc.Arbitrary<infer A> ? A : never;

describe("the pools' holds in memory, two replicas on PostgreSQL", () => {
  let db: TestDatabase;
  let second: Awaited<ReturnType<typeof openDatabase>>;
  const replicas: ServiceContext[] = [];
  let run = 0;

  beforeAll(async () => {
    db = await createTestDatabase("postgres");
    second = await openDatabase({ databaseUrl: db.url, dataDir: "memory://" });
    for (const handle of [db.handle, second]) {
      replicas.push({
        db: handle.db,
        dbKind: handle.kind,
        clock: { now: () => now },
        rules: DEFAULT_BOOKING_RULES,
        logger: pino({ level: "silent" }),
        booking: createBookingState(),
        changed: () => {},
      });
    }
    for (const name of ["t1", "t2"]) await createTeam(replicas[0]!, admin, { name });
  });
  afterAll(async () => {
    await second?.close();
    await db?.drop();
  });

  async function tableHolds(pool: string): Promise<string[]> {
    const rows = await sql<{ id: string }>`
      SELECT id FROM reservations
      WHERE pool = ${pool} AND state = 'confirmed' AND end_at > ${new Date(now).toISOString()}::timestamptz
      ORDER BY id`.execute(replicas[0]!.db);
    return rows.rows.map((r) => r.id);
  }

  async function act(pool: string, a: Action): Promise<void> {
    try {
      if (a.kind === "book") {
        const input = {
          pool,
          team: a.team,
          nodes: a.nodes,
          gpusPerNode: a.nodes > 1 ? 4 : a.gpus,
          start: now + a.fromHour * HOUR,
          end: now + (a.fromHour + a.hours) * HOUR,
          priority: a.priority,
        };
        const ctx = replicas[a.replica]!;
        await (a.alone ? book(ctx, admin, input) : bookBatched(ctx, admin, input));
      } else if (a.kind === "cancel" || a.kind === "end") {
        const held = await tableHolds(pool);
        if (held.length === 0) return;
        const id = held[a.pick % held.length]!;
        if (a.kind === "cancel") await cancelReservation(replicas[a.replica]!, admin, id);
        else await replicas[1]!.db.transaction().execute((trx) => endReservation(trx, id, "completed", now));
      } else {
        await currentHolds(replicas[a.replica]!, pool);
      }
    } catch (err) {
      // Refusals and lost races are answers, not failures. A deadlock is neither: the loop's end
      // of a reservation and a cancel of it take their locks in one order (the reservation's row,
      // then its slots, then the pool's hold version), so neither may ever be aborted for it.
      if (!(err instanceof DomainError)) throw err;
    }
  }

  it("never serves a pool's holds that differ from the table's, whatever the interleaving", async () => {
    await fc.assert(
      fc.asyncProperty(stepsArb, async (steps) => {
        const pool = `P${run++}`;
        await putPool(replicas[0]!, admin, {
          name: pool,
          product: "Tesla-P",
          computeCapability: "7.0",
          gpusPerNode: 4,
          nodes: 2,
        });
        for (const r of replicas) invalidateInventory(r);
        for (const step of steps) {
          await Promise.all(step.map((a) => act(pool, a)));
          const table = await tableHolds(pool);
          for (const r of replicas) {
            expect((await currentHolds(r, pool)).map((h) => h.id).sort()).toEqual(table);
          }
        }
      }),
      { numRuns: RUNS },
    );
  });
});
