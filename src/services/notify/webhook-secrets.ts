// Webhook signing secrets are kept encrypted (AES-256-GCM, node:crypto), so a copy of the database
// (a backup, a read-only role, a stolen disk) cannot sign payloads as Berth. The key comes from
// BERTH_SECRET_KEY or a key file in the data directory (src/services/access/secret-key.ts); the
// webhook's id is the associated data, so a sealed secret copied onto another row does not open.
// The key is process-wide: main.ts sets it once at start-up; until then (tests) a random key made
// at load serves, which keeps secrets sealed for this process's lifetime only.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { listPlainWebhookSecrets, updateWebhookSecret } from "../../adapters/db/repos/webhooks.ts";
import type { ServiceContext } from "../context.ts";

const PREFIX = "berth-aes256gcm:v1:";
let key: Buffer = randomBytes(32);

export function useWebhookSecretKey(k: Buffer): void {
  if (k.length !== 32) throw new Error("the secret key must be 32 bytes");
  key = k;
}

export function sealSecret(plain: string, webhookId: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(webhookId));
  const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  const parts = [iv, cipher.getAuthTag(), body].map((b) => b.toString("base64url"));
  return PREFIX + parts.join(":");
}

/** The plain secret; throws when the key is not the one it was sealed with. */
export function openSecret(sealed: string, webhookId: string): string {
  if (!sealed.startsWith(PREFIX)) throw new Error("the webhook secret is not sealed");
  const [iv, tag, body] = sealed
    .slice(PREFIX.length)
    .split(":")
    .map((p) => Buffer.from(p, "base64url"));
  const decipher = createDecipheriv("aes-256-gcm", key, iv!);
  decipher.setAAD(Buffer.from(webhookId));
  decipher.setAuthTag(tag!);
  return Buffer.concat([decipher.update(body!), decipher.final()]).toString("utf8");
}

/** Seals the secrets an older Berth stored in plain text; returns how many. */
export async function sealPlainWebhookSecrets(ctx: ServiceContext): Promise<number> {
  const rows = await listPlainWebhookSecrets(ctx.db, PREFIX);
  for (const r of rows) await updateWebhookSecret(ctx.db, r.id, sealSecret(r.secret, r.id));
  return rows.length;
}
