import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listMigrations, MIGRATIONS_DIR, migrate } from "../../../src/adapters/db/migrate.ts";
import { translateSqlError } from "../../../src/adapters/db/sql-errors.ts";
import { DomainError } from "../../../src/services/errors.ts";
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
    for (const id of ["r1", "r2", "r3"]) {
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
    const slot = (reservation_id: string, ordinal: number, during: string) =>
      db
        .insertInto("reservation_slots")
        .values({ reservation_id, node: "V100-0", ordinal, during })
        .execute();
    await slot("r1", 0, "[2026-12-01T20:00:00Z,2026-12-01T22:00:00Z)");
    // Touching windows ([) ranges) and other ordinals are fine.
    await slot("r2", 0, "[2026-12-01T22:00:00Z,2026-12-01T23:00:00Z)");
    await slot("r3", 1, "[2026-12-01T20:00:00Z,2026-12-01T22:00:00Z)");
    const err = await slot("r3", 0, "[2026-12-01T21:00:00Z,2026-12-01T21:15:00Z)").catch((e: unknown) => e);
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
