// A statement tagged with `preparedAs` runs as a named prepared statement on its connection
// (parsed and planned once there), gives the same rows as untagged, and takes new parameters each run.
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { preparedAs } from "../../../src/adapters/db/prepared-statements.ts";
import { BACKENDS, createTestDatabase, type TestDatabase } from "../../support/database.ts";

describe.each(BACKENDS)("prepared statements on %s", (backend) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(backend);
  });
  afterAll(async () => t.drop());

  it("prepares a tagged statement once per connection and binds fresh values on each run", async () => {
    await t.handle.db.connection().execute(async (db) => {
      const sum = (a: number, b: number) =>
        sql<{ s: number }>`${preparedAs("berth_test_sum")} SELECT ${a}::int + ${b}::int AS s`.execute(db);
      expect((await sum(1, 2)).rows).toEqual([{ s: 3 }]);
      expect((await sum(40, 2)).rows).toEqual([{ s: 42 }]);
      const prepared = await sql<{ name: string; parameter_types: string }>`
        SELECT name, parameter_types::text FROM pg_prepared_statements WHERE name = 'berth_test_sum'`.execute(
        db,
      );
      expect(prepared.rows).toEqual([{ name: "berth_test_sum", parameter_types: "{integer,integer}" }]);
      // An untagged statement stays unnamed.
      await sql`SELECT 1 AS one`.execute(db);
      const names = await sql<{ name: string }>`SELECT name FROM pg_prepared_statements`.execute(db);
      expect(names.rows.map((r) => r.name).every((n) => n.startsWith("berth_"))).toBe(true);
    });
  });

  it("refuses a name that could not be a tag", () => {
    expect(() => preparedAs("x */ DROP TABLE teams; /*")).toThrow(/lower case/);
  });
});
