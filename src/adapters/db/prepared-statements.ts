// Statements that run many times with the same text are worth preparing: node-postgres runs a
// query that has a `name` as a named prepared statement, parsed once per connection, and
// PostgreSQL then plans it once (a generic plan) instead of on every run. Planning the booking
// batch's write alone took about 0.8 ms of PostgreSQL's time per batch (BENCHMARKS.md). Kysely
// hands node-postgres only text and values, so such statements open with a tag comment naming
// them, and the client class below turns the tag into that name.
import { type Kysely, type RawBuilder, sql } from "kysely";
import pg from "pg";
import type { Database } from "./tables.ts";

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

/**
 * The statement `dropConnection` sends: never sent to the server (the connection may be unusable);
 * its client is marked instead, and the pool destroys a marked client when it is released
 * (connect.ts) rather than hand its session to the next caller.
 */
const DROP = "/* berth: drop connection */";
const marked = new WeakSet<pg.Client>();

/** Whether `dropConnection` marked `client` (and forgets it). */
export function takeDropMark(client: pg.Client): boolean {
  return marked.delete(client);
}

/**
 * Marks the connection `db` runs on (a `connection()` callback's handle) to be destroyed when it
 * is released, not returned to the pool: for a session whose state is not known (a session lock
 * that could not be released).
 */
export async function dropConnection(db: Kysely<Database>): Promise<void> {
  await sql`${sql.raw(DROP)} SELECT 1`.execute(db);
}

(PreparingClient.prototype as unknown as { query: Query }).query = function (config, values, callback) {
  if (typeof config === "string" && config.startsWith(DROP)) {
    marked.add(this);
    return Promise.resolve({ command: "SELECT", rowCount: 0, rows: [], fields: [] });
  }
  if (typeof config === "string" && Array.isArray(values)) {
    const name = TAG.exec(config)?.[1];
    if (name) return plainQuery.call(this, { name, text: config, values }, callback);
  }
  return plainQuery.call(this, config, values, callback);
};
