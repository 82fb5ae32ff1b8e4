// The webhooks table: a team's outbound webhook registrations (URL, signing secret, event types).
import type { Kysely } from "kysely";
import type { Database } from "../tables.ts";

export interface WebhookRecord {
  readonly id: string;
  readonly team: string;
  readonly url: string;
  readonly secret: string;
  readonly events: readonly string[];
}

export async function insertWebhook(db: Kysely<Database>, w: WebhookRecord): Promise<void> {
  await db
    .insertInto("webhooks")
    .values({ id: w.id, team: w.team, url: w.url, secret: w.secret, events: [...w.events] })
    .execute();
}

/** Every webhook, or a team's, oldest first; the secret is never read back. */
export async function listWebhookRows(db: Kysely<Database>, team: string | null) {
  let q = db
    .selectFrom("webhooks")
    .select(["id", "team", "url", "events", "created_at"])
    .orderBy("created_at");
  if (team !== null) q = q.where("team", "=", team);
  return q.execute();
}

export async function findWebhookTeam(
  db: Kysely<Database>,
  id: string,
): Promise<{ team: string } | undefined> {
  return db.selectFrom("webhooks").select(["team"]).where("id", "=", id).executeTakeFirst();
}

export async function deleteWebhookRow(db: Kysely<Database>, id: string): Promise<void> {
  await db.deleteFrom("webhooks").where("id", "=", id).execute();
}

/** Rows whose secret does not start with `sealedPrefix` (stored in plain text by an older Berth). */
export async function listPlainWebhookSecrets(
  db: Kysely<Database>,
  sealedPrefix: string,
): Promise<{ id: string; secret: string }[]> {
  return db
    .selectFrom("webhooks")
    .select(["id", "secret"])
    .where("secret", "not like", `${sealedPrefix}%`)
    .execute();
}

export async function updateWebhookSecret(db: Kysely<Database>, id: string, secret: string): Promise<void> {
  await db.updateTable("webhooks").set({ secret }).where("id", "=", id).execute();
}
