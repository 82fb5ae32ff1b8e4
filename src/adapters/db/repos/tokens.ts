// The api_tokens table: bearer tokens, stored as the SHA-256 of their secret.
import type { Kysely } from "kysely";
import type { Database } from "../tables.ts";

export interface ActiveToken {
  readonly id: string;
  readonly name: string;
  readonly role: "admin" | "member";
  readonly team: string | null;
  readonly expires_at: Date | null;
}

export interface ListedToken extends Omit<ActiveToken, "expires_at"> {
  readonly expires_at: Date | null;
  readonly created_at: Date;
  readonly revoked_at: Date | null;
}

export interface NewTokenRow {
  readonly id: string;
  readonly tokenHash: string;
  readonly name: string;
  readonly team: string | null;
  readonly role: "admin" | "member";
  readonly expiresAt?: Date | null;
}

/** A token that is neither revoked nor expired at `now`, found by its secret's hash or by its id. */
export async function findActiveToken(
  db: Kysely<Database>,
  by: { hash: string } | { id: string },
  now: Date,
): Promise<ActiveToken | undefined> {
  let q = db
    .selectFrom("api_tokens")
    .select(["id", "name", "role", "team", "expires_at"])
    .where("revoked_at", "is", null)
    .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", now)]));
  q = "hash" in by ? q.where("token_hash", "=", by.hash) : q.where("id", "=", by.id);
  return q.executeTakeFirst();
}

export async function insertToken(db: Kysely<Database>, t: NewTokenRow): Promise<void> {
  await db
    .insertInto("api_tokens")
    .values({
      id: t.id,
      token_hash: t.tokenHash,
      name: t.name,
      team: t.team,
      role: t.role,
      user_id: null,
      expires_at: t.expiresAt ?? null,
    })
    .execute();
}

/** A token by its secret's hash, revoked or not. */
export async function findTokenByHash(
  db: Kysely<Database>,
  hash: string,
): Promise<{ id: string; revoked_at: Date | null } | undefined> {
  return db
    .selectFrom("api_tokens")
    .select(["id", "revoked_at"])
    .where("token_hash", "=", hash)
    .executeTakeFirst();
}

/** Whether a token id is taken (revoked tokens keep theirs). */
export async function tokenIdTaken(db: Kysely<Database>, id: string): Promise<boolean> {
  return (
    (await db.selectFrom("api_tokens").select("id").where("id", "=", id).executeTakeFirst()) !== undefined
  );
}

/** Revokes every live token of `name` except `keepId` (a rotated bootstrap admin's old values). */
export async function revokeTokensNamed(db: Kysely<Database>, name: string, keepId: string, at: Date) {
  await db
    .updateTable("api_tokens")
    .set({ revoked_at: at })
    .where("name", "=", name)
    .where("id", "<>", keepId)
    .where("revoked_at", "is", null)
    .execute();
}

/** Every token, or a team's, oldest first. */
export async function listTokens(db: Kysely<Database>, team: string | null): Promise<ListedToken[]> {
  let q = db
    .selectFrom("api_tokens")
    .select(["id", "name", "team", "role", "created_at", "revoked_at", "expires_at"])
    .orderBy("created_at");
  if (team !== null) q = q.where("team", "=", team);
  return q.execute();
}

export async function findTokenTeam(
  db: Kysely<Database>,
  id: string,
): Promise<{ team: string | null; role: "admin" | "member" } | undefined> {
  return db.selectFrom("api_tokens").select(["team", "role"]).where("id", "=", id).executeTakeFirst();
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
