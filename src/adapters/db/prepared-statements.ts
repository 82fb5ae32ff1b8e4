// Statements that run many times with the same text are worth preparing: node-postgres runs a
// query that has a `name` as a named prepared statement, parsed once per connection, and
// PostgreSQL then plans it once (a generic plan) instead of on every run. Planning the booking
// batch's write alone took about 0.8 ms of PostgreSQL's time per batch (BENCHMARKS.md). Kysely
// hands node-postgres only text and values, so such statements open with a tag comment naming
// them, and the client class below turns the tag into that name.
import { type RawBuilder, sql } from "kysely";
import pg from "pg";

const TAG = /^\/\* prepared: ([a-z_]+) \*\//;

/** Opens a statement that node-postgres should prepare by `name` (same text on every run). */
export function preparedAs(name: string): RawBuilder<unknown> {
  if (!/^[a-z_]+$/.test(name)) throw new Error(`prepared statement name "${name}": lower case and _ only`);
  return sql.raw(`/* prepared: ${name} */`);
}

type Query = (this: pg.Client, config: unknown, values?: unknown, callback?: unknown) => unknown;
const plainQuery = pg.Client.prototype.query as unknown as Query;

/** A node-postgres client that runs tagged statements as named prepared statements. */
export class PreparingClient extends pg.Client {}

(PreparingClient.prototype as unknown as { query: Query }).query = function (config, values, callback) {
  if (typeof config === "string" && Array.isArray(values)) {
    const name = TAG.exec(config)?.[1];
    if (name) return plainQuery.call(this, { name, text: config, values }, callback);
  }
  return plainQuery.call(this, config, values, callback);
};
