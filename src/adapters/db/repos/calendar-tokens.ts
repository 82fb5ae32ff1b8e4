// The calendar_tokens table: read-only feed tokens of a team, stored as the SHA-256 of their secret.
import type { Kysely, Selectable } from "kysely";
import type { CalendarTokensTable, Database } from "../tables.ts";

export type CalendarTokenRow = Omit<Selectable<CalendarTokensTable>, "token_hash">;

const COLUMNS = ["id", "team", "name", "created_by", "created_at", "revoked_at"] as const;

export async function insertCalendarToken(
  db: Kysely<Database>,
  t: { id: string; tokenHash: string; team: string; name: string; createdBy: string },
): Promise<CalendarTokenRow> {
  return db
    .insertInto("calendar_tokens")
    .values({ id: t.id, token_hash: t.tokenHash, team: t.team, name: t.name, created_by: t.createdBy })
    .returning(COLUMNS)
    .executeTakeFirstOrThrow();
}

/** The live (not revoked) token with this secret's hash. */
export async function findLiveCalendarToken(
  db: Kysely<Database>,
  hash: string,
): Promise<CalendarTokenRow | undefined> {
  return db
    .selectFrom("calendar_tokens")
    .select(COLUMNS)
    .where("token_hash", "=", hash)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
}

/** A team's tokens, revoked ones included, oldest first. */
export async function listCalendarTokens(db: Kysely<Database>, team: string): Promise<CalendarTokenRow[]> {
  return db
    .selectFrom("calendar_tokens")
    .select(COLUMNS)
    .where("team", "=", team)
    .orderBy("created_at")
    .orderBy("id")
    .execute();
}

export async function getCalendarToken(
  db: Kysely<Database>,
  id: string,
): Promise<CalendarTokenRow | undefined> {
  return db.selectFrom("calendar_tokens").select(COLUMNS).where("id", "=", id).executeTakeFirst();
}

/** Revokes it at `at`; one already revoked keeps its first revocation time. */
export async function revokeCalendarToken(db: Kysely<Database>, id: string, at: Date): Promise<void> {
  await db
    .updateTable("calendar_tokens")
    .set({ revoked_at: at })
    .where("id", "=", id)
    .where("revoked_at", "is", null)
    .execute();
}
