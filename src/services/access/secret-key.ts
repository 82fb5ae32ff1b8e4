// The key that seals secrets at rest (src/services/notify/webhook-secrets.ts): BERTH_SECRET_KEY (32
// bytes as 64 hex digits or base64), else a key generated once into the data directory (mode 0600)
// so a restart can still open what it sealed. The log says which, never the key.
import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

export function parseSecretKey(text: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-f]{64}$/i.test(t) ? Buffer.from(t, "hex") : Buffer.from(t, "base64");
  if (key.length !== 32) throw new Error("BERTH_SECRET_KEY must be 32 bytes: 64 hex digits or base64");
  return key;
}

export async function loadSecretKey(options: {
  readonly secretKey: string | undefined;
  readonly dataDir: string;
}): Promise<{ key: Buffer; source: "environment" } | { key: Buffer; source: "file"; path: string }> {
  if (options.secretKey) return { key: parseSecretKey(options.secretKey), source: "environment" };
  const path = join(options.dataDir, "secret-key");
  const existing = await readFile(path, "utf8").catch(() => undefined);
  if (existing) {
    await chmod(path, 0o600);
    return { key: parseSecretKey(existing), source: "file", path };
  }
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  // `wx`: two processes starting at once never overwrite each other's key.
  await writeFile(path, `${key.toString("hex")}\n`, { mode: 0o600, flag: "wx" }).catch(async (err) => {
    if ((err as { code?: string }).code !== "EEXIST") throw err;
  });
  return { key: parseSecretKey(await readFile(path, "utf8")), source: "file", path };
}
