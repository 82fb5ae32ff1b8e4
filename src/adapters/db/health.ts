// Whether the database answers: the readiness probe's question.
import { type Kysely, sql } from "kysely";
import type { Database } from "./tables.ts";

export async function databaseAnswers(db: Kysely<Database>): Promise<boolean> {
  try {
    await sql`SELECT 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}
