// The audit log cannot be erased through the application's own role: UPDATE, DELETE and TRUNCATE
// are refused everywhere; disabling or dropping its triggers, or the table, wherever the migration
// could create its event triggers (a superuser role: the test server's and PGlite's; elsewhere the
// README, "The audit log", says what holds).
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../../support/api-harness.ts";
import { BACKENDS } from "../../support/database.ts";

describe.each(BACKENDS)("the audit log's guard on %s", (backend) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(backend);
    await h.team("vision");
  });
  afterAll(async () => h.close());

  const count = async () =>
    Number((await sql<{ n: string }>`SELECT count(*) AS n FROM audit_log`.execute(h.ctx.db)).rows[0]!.n);

  it.each([
    ["TRUNCATE", "TRUNCATE audit_log"],
    ["DELETE", "DELETE FROM audit_log"],
    ["UPDATE", "UPDATE audit_log SET actor = 'nobody'"],
  ])("refuses %s", async (_n, statement) => {
    const before = await count();
    expect(before).toBeGreaterThan(0);
    await expect(sql.raw(statement).execute(h.ctx.db)).rejects.toThrow(/append-only/);
    expect(await count()).toBe(before);
  });

  it("has the event triggers that refuse disabling or dropping where the back-end runs them", async () => {
    const { rows } = await sql<{ evtname: string }>`
      SELECT evtname FROM pg_event_trigger WHERE evtname LIKE 'audit_log_guard%' ORDER BY evtname`.execute(
      h.ctx.db,
    );
    // Both back-ends run them here: the test server's role and PGlite's are superusers.
    expect(rows.map((r) => r.evtname)).toEqual(["audit_log_guard_ddl", "audit_log_guard_drop"]);
  });
});

describe.each(BACKENDS)("the audit log's DDL guard on %s", (backend) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(backend);
  });
  afterAll(async () => h.close());

  it.each([
    ["disabling its trigger", "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change"],
    ["disabling every trigger", "ALTER TABLE audit_log DISABLE TRIGGER ALL"],
    [
      "making its trigger fire only on replicas",
      "ALTER TABLE audit_log ENABLE REPLICA TRIGGER audit_log_no_change",
    ],
    ["dropping its truncate trigger", "DROP TRIGGER audit_log_no_truncate ON audit_log"],
    ["dropping the table", "DROP TABLE audit_log"],
    ["dropping the function behind its triggers", "DROP FUNCTION audit_log_append_only() CASCADE"],
  ])("refuses %s", async (_n, statement) => {
    await expect(sql.raw(statement).execute(h.ctx.db)).rejects.toThrow(/append-only/);
    await expect(sql.raw("TRUNCATE audit_log").execute(h.ctx.db)).rejects.toThrow(/append-only/);
  });
});
