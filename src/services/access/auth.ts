// Bearer tokens: only a SHA-256 of each secret is stored, the secret is shown once. The first admin
// comes from BERTH_ADMIN_TOKEN or a token generated into the data directory (mode 0600); the log
// names the file, never the secret. A revoked value stays revoked across restarts: a restart with the
// same value finds its row and leaves it as it is; a new value is a new token (and the old values of
// the bootstrap admin are revoked, which is how an operator rotates it). Tokens may expire.
import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { appendAudit } from "../../adapters/db/repos/audit.ts";
import { teamExists } from "../../adapters/db/repos/teams.ts";
import {
  findActiveToken,
  findTokenByHash,
  findTokenTeam,
  insertToken,
  listTokens as listTokenRows,
  revokeToken as revokeTokenRow,
  revokeTokensNamed,
  tokenIdTaken,
} from "../../adapters/db/repos/tokens.ts";
import { DomainError, invalid, notFound } from "../../basics/domain-error.ts";
import { newId } from "../../basics/ids.ts";
import { isAdmin, type Principal, type ServiceContext } from "../context.ts";
import { answerWithWrite } from "../idempotent-answers.ts";

export function hashToken(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

export function newSecret(): string {
  return `berth_${randomBytes(24).toString("base64url")}`;
}

/** The caller behind a secret, and when its token expires (null: never). */
export async function authenticate(
  ctx: ServiceContext,
  secret: string,
): Promise<(Principal & { readonly expiresAt: number | null }) | null> {
  const row = await findActiveToken(ctx.db, { hash: hashToken(secret) }, new Date(ctx.clock.now()));
  return row
    ? {
        tokenId: row.id,
        name: row.name,
        role: row.role,
        team: row.team,
        expiresAt: row.expires_at ? row.expires_at.getTime() : null,
      }
    : null;
}

const BOOTSTRAP_ID = "tok-admin-bootstrap";
const BOOTSTRAP_NAME = "bootstrap-admin";

/** Ensures the bootstrap admin token exists; returns where its secret lives (never the secret). */
export async function bootstrapAdmin(
  ctx: ServiceContext,
  options: { adminToken: string | undefined; dataDir: string },
): Promise<{ source: "environment" | "file"; path?: string; revoked?: boolean }> {
  let secret = options.adminToken;
  let path: string | undefined;
  if (!secret) {
    path = join(options.dataDir, "admin-token");
    secret = await readFile(path, "utf8")
      .then((s) => s.trim())
      .catch(() => undefined);
    if (!secret) {
      secret = newSecret();
      await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
      await writeFile(path, `${secret}\n`, { mode: 0o600 });
    }
  }
  const where = path ? { source: "file" as const, path } : { source: "environment" as const };
  const hash = hashToken(secret);
  const known = await findTokenByHash(ctx.db, hash);
  if (known) return known.revoked_at ? { ...where, revoked: true } : where;
  // A value never seen: the first bootstrap keeps the well-known id, a rotated one gets its own.
  const id = (await tokenIdTaken(ctx.db, BOOTSTRAP_ID))
    ? `${BOOTSTRAP_ID}-${hash.slice(0, 12)}`
    : BOOTSTRAP_ID;
  await insertToken(ctx.db, { id, tokenHash: hash, name: BOOTSTRAP_NAME, team: null, role: "admin" });
  await revokeTokensNamed(ctx.db, BOOTSTRAP_NAME, id, new Date(ctx.clock.now()));
  return where;
}

export interface NewToken {
  readonly team?: string | undefined;
  readonly role: "admin" | "member";
  readonly name: string;
  /** Seconds from now; or `expiresAt`; neither: the default lifetime for the role. */
  readonly expiresIn?: number | undefined;
  readonly expiresAt?: string | undefined;
}

export interface TokenPolicy {
  /** Lifetime of a member token created without one, seconds; 0: never expires. */
  readonly memberTokenTtlSeconds: number;
}

export const DEFAULT_TOKEN_POLICY: TokenPolicy = { memberTokenTtlSeconds: 0 };

function expiryOf(ctx: ServiceContext, req: NewToken, policy: TokenPolicy): Date | null {
  const now = ctx.clock.now();
  if (req.expiresIn !== undefined && req.expiresAt !== undefined)
    throw invalid([{ field: "expiresAt", message: "give expiresIn or expiresAt, not both" }]);
  if (req.expiresIn !== undefined) return new Date(now + req.expiresIn * 1000);
  if (req.expiresAt !== undefined) {
    const at = Date.parse(req.expiresAt);
    if (!(at > now)) throw invalid([{ field: "expiresAt", message: "must lie in the future" }]);
    return new Date(at);
  }
  if (req.role === "member" && policy.memberTokenTtlSeconds > 0)
    return new Date(now + policy.memberTokenTtlSeconds * 1000);
  return null;
}

export async function createToken(
  ctx: ServiceContext,
  by: Principal,
  req: NewToken,
  policy: TokenPolicy = DEFAULT_TOKEN_POLICY,
) {
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
  const expiresAt = expiryOf(ctx, req, policy);
  const secret = newSecret();
  const id = newId("tok");
  const created = {
    id,
    token: secret,
    name: req.name,
    team: team ?? null,
    role: req.role,
    expiresAt: expiresAt ? expiresAt.toISOString() : null,
  };
  await ctx.db.transaction().execute(async (trx) => {
    await insertToken(trx, {
      id,
      tokenHash: hashToken(secret),
      name: req.name,
      team: team ?? null,
      role: req.role,
      expiresAt,
    });
    await appendAudit(trx, {
      at: ctx.clock.now(),
      actor: by.name,
      action: "token.created",
      team: team ?? null,
      detail: { token: id, name: req.name, role: req.role, expiresAt: expiresAt?.toISOString() ?? null },
    });
    // Only the token's id commits with it, never its secret: a retry is told the id (a 409).
    await answerWithWrite(trx, 201, created, { secret: true });
  });
  return created;
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
    expiresAt: r.expires_at ? r.expires_at.toISOString() : null,
  }));
}

export async function revokeToken(ctx: ServiceContext, by: Principal, id: string) {
  const row = await findTokenTeam(ctx.db, id);
  if (!row) throw notFound(`token ${id}`);
  if (!isAdmin(by) && row.team !== by.team)
    throw new DomainError("forbidden", "this token belongs to another team");
  // An admin token bound to a team is still an admin's: a member may not take it away.
  if (!isAdmin(by) && row.role === "admin")
    throw new DomainError("forbidden", "only an admin may revoke an admin token");
  await ctx.db.transaction().execute(async (trx) => {
    await revokeTokenRow(trx, id, new Date(ctx.clock.now()));
    await appendAudit(trx, {
      at: ctx.clock.now(),
      actor: by.name,
      action: "token.revoked",
      team: row.team,
      detail: { token: id, role: row.role },
    });
  });
}
