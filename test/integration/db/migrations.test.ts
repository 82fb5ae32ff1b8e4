import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listMigrations, MIGRATIONS_DIR, migrate } from "../../../src/adapters/db/migrate.ts";
import { translateSqlError } from "../../../src/adapters/db/sql-errors.ts";
import { DomainError } from "../../../src/basics/domain-error.ts";
import { BACKENDS, createTestDatabase, type TestDatabase } from "../../support/database.ts";

describe.each(BACKENDS)("upgrading a database migrated by an earlier release on %s", (backend) => {
  it("applies only the newer migrations, keeping the data", async () => {
    const t = await createTestDatabase(backend, { migrate: false });
    const dir = await mkdtemp(join(tmpdir(), "berth-migrations-"));
    try {
      const [first, ...rest] = await listMigrations();
      await copyFile(join(MIGRATIONS_DIR, first!), join(dir, first!));
      expect((await migrate(t.handle.db, dir)).applied).toEqual([first]);
      await t.handle.db.insertInto("teams").values({ name: "vision" }).execute();
      expect((await migrate(t.handle.db)).applied).toEqual(rest);
      expect(await t.handle.db.selectFrom("teams").select("name").execute()).toEqual([{ name: "vision" }]);
    } finally {
      await rm(dir, { recursive: true, force: true });
      await t.drop();
    }
  });
  it("carries per-ordinal slot rows into one GPU set per node, still refusing overlaps", async () => {
    const t = await createTestDatabase(backend, { migrate: false });
    const dir = await mkdtemp(join(tmpdir(), "berth-migrations-"));
    try {
      const all = await listMigrations();
      const before = all.slice(0, all.indexOf("20261128T120000Z-slot-gpu-sets.sql"));
      for (const m of before) await copyFile(join(MIGRATIONS_DIR, m), join(dir, m));
      await migrate(t.handle.db, dir);
      const db = t.handle.db;
      await sql`INSERT INTO teams (name) VALUES ('vision')`.execute(db);
      await sql`INSERT INTO pools (name, product, compute_capability, gpus_per_node) VALUES ('V100', 'Tesla-V100', '7.0', 8)`.execute(
        db,
      );
      await sql`INSERT INTO nodes (name, pool, gpus) VALUES ('V100-0', 'V100', 8), ('V100-1', 'V100', 8)`.execute(
        db,
      );
      await sql`INSERT INTO reservations (id, team, pool, nodes, gpus_per_node, start_at, end_at, priority, state, placement, booked_at)
        VALUES ('r1', 'vision', 'V100', 2, 4, '2026-12-01T20:00:00Z', '2026-12-01T22:00:00Z', 'normal', 'confirmed',
                '[{"node":"V100-0","gpus":[0,1,2,5]},{"node":"V100-1","gpus":[4,5,6,7]}]', now())`.execute(
        db,
      );
      // The rows an earlier release wrote: one per (node, ordinal).
      await sql`INSERT INTO reservation_slots (reservation_id, node, ordinal, during)
        SELECT 'r1', node, ordinal, '[2026-12-01T20:00:00Z,2026-12-01T22:00:00Z)'
        FROM (VALUES ('V100-0', 0), ('V100-0', 1), ('V100-0', 2), ('V100-0', 5),
                     ('V100-1', 4), ('V100-1', 5), ('V100-1', 6), ('V100-1', 7)) AS v(node, ordinal)`.execute(
        db,
      );
      expect((await migrate(db)).applied).toEqual(all.slice(before.length));
      const rows = await sql<{ node: string; gpus: string }>`
        SELECT node, gpus::text AS gpus FROM reservation_slots WHERE reservation_id = 'r1' ORDER BY node`.execute(
        db,
      );
      expect(rows.rows).toEqual([
        { node: "V100-0", gpus: "{[0,3),[5,6)}" },
        { node: "V100-1", gpus: "{[4,8)}" },
      ]);
      await sql`INSERT INTO reservations (id, team, pool, nodes, gpus_per_node, start_at, end_at, priority, state, placement, booked_at)
        VALUES ('r2', 'vision', 'V100', 1, 1, '2026-12-01T21:00:00Z', '2026-12-01T23:00:00Z', 'normal', 'confirmed', '[]', now())`.execute(
        db,
      );
      const taken = await sql`INSERT INTO reservation_slots (reservation_id, node, gpus, during)
        VALUES ('r2', 'V100-0', '{[5,6)}', '[2026-12-01T21:00:00Z,2026-12-01T23:00:00Z)')`
        .execute(db)
        .catch((e: unknown) => e);
      expect((translateSqlError(taken) as DomainError).code).toBe("slot-taken");
      await sql`INSERT INTO reservation_slots (reservation_id, node, gpus, during)
        VALUES ('r2', 'V100-0', '{[3,5)}', '[2026-12-01T21:00:00Z,2026-12-01T23:00:00Z)')`.execute(db);
    } finally {
      await rm(dir, { recursive: true, force: true });
      await t.drop();
    }
  });
});

describe.each(BACKENDS)("migrations on %s", (backend) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(backend, { migrate: false });
  });
  afterAll(async () => t.drop());

  it("applies every migration to an empty database, and nothing the second time", async () => {
    const all = await listMigrations();
    const first = await migrate(t.handle.db);
    expect(first.applied).toEqual(all);
    const second = await migrate(t.handle.db);
    expect(second).toEqual({ applied: [], alreadyApplied: all });
  });

  it("refuses two reservations holding the same GPU ordinal at overlapping times, as a slot-taken conflict", async () => {
    const db = t.handle.db;
    await db.insertInto("teams").values({ name: "vision" }).execute();
    await db
      .insertInto("pools")
      .values({
        name: "V100",
        product: "Tesla-V100",
        compute_capability: "7.0",
        gpus_per_node: 8,
        gpu_memory_mib: null,
        cpu_milli_per_gpu: null,
        memory_mib_per_gpu: null,
      })
      .execute();
    await db.insertInto("nodes").values({ name: "V100-0", pool: "V100", gpus: 8 }).execute();
    for (const id of ["r1", "r2", "r3", "r4", "r5"]) {
      await db
        .insertInto("reservations")
        .values({
          id,
          team: "vision",
          pool: "V100",
          nodes: 1,
          gpus_per_node: 1,
          start_at: "2026-12-01T20:00:00Z",
          end_at: "2026-12-01T22:00:00Z",
          priority: "normal",
          state: "confirmed",
          placement: "[]",
          booked_at: "2026-11-28T00:00:00Z",
          booked_by: null,
          recurrence_id: null,
          displaced_by: null,
          reason: null,
          ended_at: null,
        })
        .execute();
    }
    // A slot row holds a set of ordinals of one node (an int4multirange).
    const slot = (reservation_id: string, gpus: string, during: string) =>
      db.insertInto("reservation_slots").values({ reservation_id, node: "V100-0", gpus, during }).execute();
    await slot("r1", "{[0,2)}", "[2026-12-01T20:00:00Z,2026-12-01T22:00:00Z)");
    // Touching windows ([) ranges) and other ordinals are fine, even when the sets interleave
    // ({2,5} and {3,4,6,7}: their bounds overlap, their ordinals do not).
    await slot("r2", "{[0,1)}", "[2026-12-01T22:00:00Z,2026-12-01T23:00:00Z)");
    await slot("r3", "{[2,3),[5,6)}", "[2026-12-01T20:00:00Z,2026-12-01T22:00:00Z)");
    await slot("r4", "{[3,5),[6,8)}", "[2026-12-01T20:00:00Z,2026-12-01T22:00:00Z)");
    // Ordinal 1 is r1's for the whole window.
    const err = await slot("r5", "{[1,2),[8,9)}", "[2026-12-01T21:00:00Z,2026-12-01T21:15:00Z)").catch(
      (e: unknown) => e,
    );
    const domain = translateSqlError(err);
    expect(domain).toBeInstanceOf(DomainError);
    expect((domain as DomainError).code).toBe("slot-taken");
  });

  it("keeps the audit log append-only", async () => {
    const db = t.handle.db;
    await db
      .insertInto("audit_log")
      .values({
        at: new Date(),
        actor: "admin",
        action: "book",
        team: null,
        reservation_id: null,
        job_id: null,
        reason: null,
      })
      .execute();
    await expect(sql`DELETE FROM audit_log`.execute(db)).rejects.toThrow(/append-only/);
    await expect(sql`UPDATE audit_log SET actor = 'x'`.execute(db)).rejects.toThrow(/append-only/);
  });
});
