// The api_tokens table: bearer tokens, stored as the SHA-256 of their secret.
import type { Kysely } from "kysely";
import type { Database } from "../tables.ts";

export interface ActiveToken {
  readonly id: string;
  readonly name: string;
  readonly role: "admin" | "member";
  readonly team: string | null;
}

export interface ListedToken extends ActiveToken {
  readonly created_at: Date;
  readonly revoked_at: Date | null;
}

export interface NewTokenRow {
  readonly id: string;
  readonly tokenHash: string;
  readonly name: string;
  readonly team: string | null;
  readonly role: "admin" | "member";
}

/** A token that is not revoked, found by its secret's hash or by its id. */
export async function findActiveToken(
  db: Kysely<Database>,
  by: { hash: string } | { id: string },
): Promise<ActiveToken | undefined> {
  let q = db.selectFrom("api_tokens").select(["id", "name", "role", "team"]).where("revoked_at", "is", null);
  q = "hash" in by ? q.where("token_hash", "=", by.hash) : q.where("id", "=", by.id);
  return q.executeTakeFirst();
}

export async function insertToken(db: Kysely<Database>, t: NewTokenRow): Promise<void> {
  await db
    .insertInto("api_tokens")
    .values({ id: t.id, token_hash: t.tokenHash, name: t.name, team: t.team, role: t.role, user_id: null })
    .execute();
}

/** Writes the token under a fixed id, replacing its hash and un-revoking it if it exists. */
export async function upsertToken(db: Kysely<Database>, t: NewTokenRow): Promise<void> {
  await db
    .insertInto("api_tokens")
    .values({ id: t.id, token_hash: t.tokenHash, name: t.name, team: t.team, role: t.role, user_id: null })
    .onConflict((oc) => oc.column("id").doUpdateSet({ token_hash: t.tokenHash, revoked_at: null }))
    .execute();
}

/** Every token, or a team's, oldest first. */
export async function listTokens(db: Kysely<Database>, team: string | null): Promise<ListedToken[]> {
  let q = db
    .selectFrom("api_tokens")
    .select(["id", "name", "team", "role", "created_at", "revoked_at"])
    .orderBy("created_at");
  if (team !== null) q = q.where("team", "=", team);
  return q.execute();
}

export async function findTokenTeam(
  db: Kysely<Database>,
  id: string,
): Promise<{ team: string | null } | undefined> {
  return db.selectFrom("api_tokens").select(["team"]).where("id", "=", id).executeTakeFirst();
}

/** Marks a token revoked at `at`; a token already revoked keeps its first revocation time. */
export async function revokeToken(db: Kysely<Database>, id: string, at: Date): Promise<void> {
  await db
    .updateTable("api_tokens")
    .set({ revoked_at: at })
    .where("id", "=", id)
    .where("revoked_at", "is", null)
    .execute();
}
