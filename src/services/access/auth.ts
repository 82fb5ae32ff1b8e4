// Bearer tokens: only a SHA-256 of each secret is stored, the secret is shown once. The first admin
// comes from BERTH_ADMIN_TOKEN or a token generated into the data directory (mode 0600); the log
// names the file, never the secret.
import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { teamExists } from "../../adapters/db/repos/teams.ts";
import {
  findActiveToken,
  findTokenTeam,
  insertToken,
  listTokens as listTokenRows,
  revokeToken as revokeTokenRow,
  upsertToken,
} from "../../adapters/db/repos/tokens.ts";
import { DomainError, invalid, notFound } from "../../basics/domain-error.ts";
import { newId } from "../../basics/ids.ts";
import { isAdmin, type Principal, type ServiceContext } from "../context.ts";

export function hashToken(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

export function newSecret(): string {
  return `berth_${randomBytes(24).toString("base64url")}`;
}

export async function authenticate(ctx: ServiceContext, secret: string): Promise<Principal | null> {
  const row = await findActiveToken(ctx.db, { hash: hashToken(secret) });
  return row ? { tokenId: row.id, name: row.name, role: row.role, team: row.team } : null;
}

const BOOTSTRAP_ID = "tok-admin-bootstrap";

/** Ensures the bootstrap admin token exists; returns where its secret lives (never the secret). */
export async function bootstrapAdmin(
  ctx: ServiceContext,
  options: { adminToken: string | undefined; dataDir: string },
): Promise<{ source: "environment" | "file"; path?: string }> {
  let secret = options.adminToken;
  let path: string | undefined;
  if (!secret) {
    path = join(options.dataDir, "admin-token");
    secret = await readFile(path, "utf8")
      .then((s) => s.trim())
      .catch(() => undefined);
    if (!secret) {
      secret = newSecret();
      await mkdir(options.dataDir, { recursive: true });
      await writeFile(path, `${secret}\n`, { mode: 0o600 });
    }
  }
  await upsertToken(ctx.db, {
    id: BOOTSTRAP_ID,
    tokenHash: hashToken(secret),
    name: "bootstrap-admin",
    team: null,
    role: "admin",
  });
  return path ? { source: "file", path } : { source: "environment" };
}

export interface NewToken {
  readonly team?: string | undefined;
  readonly role: "admin" | "member";
  readonly name: string;
}

export async function createToken(ctx: ServiceContext, by: Principal, req: NewToken) {
  if (!isAdmin(by)) {
    if (req.role === "admin") throw new DomainError("forbidden", "only an admin may create admin tokens");
    if (req.team !== undefined && req.team !== by.team) {
      throw new DomainError("forbidden", "members create tokens for their own team only");
    }
  }
  const team = req.team ?? (isAdmin(by) ? undefined : (by.team ?? undefined));
  if (req.role === "member" && !team)
    throw invalid([{ field: "team", message: "a member token needs a team" }]);
  if (team) {
    if (!(await teamExists(ctx.db, team)))
      throw invalid([{ field: "team", message: `unknown team "${team}"` }]);
  }
  const secret = newSecret();
  const id = newId("tok");
  await insertToken(ctx.db, {
    id,
    tokenHash: hashToken(secret),
    name: req.name,
    team: team ?? null,
    role: req.role,
  });
  return { id, token: secret, name: req.name, team: team ?? null, role: req.role };
}

export async function listTokens(ctx: ServiceContext, by: Principal) {
  const rows = await listTokenRows(ctx.db, isAdmin(by) ? null : (by.team ?? ""));
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    team: r.team,
    role: r.role,
    createdAt: r.created_at.toISOString(),
    revokedAt: r.revoked_at ? r.revoked_at.toISOString() : null,
  }));
}

export async function revokeToken(ctx: ServiceContext, by: Principal, id: string) {
  const row = await findTokenTeam(ctx.db, id);
  if (!row) throw notFound(`token ${id}`);
  if (!isAdmin(by) && row.team !== by.team)
    throw new DomainError("forbidden", "this token belongs to another team");
  await revokeTokenRow(ctx.db, id, new Date(ctx.clock.now()));
}
