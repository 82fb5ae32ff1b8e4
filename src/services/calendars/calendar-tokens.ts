// Read-only calendar tokens: an admin, or a member for their own team, creates one to subscribe a
// calendar application to the team's reservations. The secret is shown once, inside the feed URL;
// it reads that one feed and nothing else (it is not a bearer token), and it can be revoked.
import { createHash, randomBytes } from "node:crypto";
import { appendAudit } from "../../adapters/db/repos/audit.ts";
import {
  type CalendarTokenRow,
  getCalendarToken,
  insertCalendarToken,
  listCalendarTokens as listRows,
  revokeCalendarToken as revokeRow,
} from "../../adapters/db/repos/calendar-tokens.ts";
import { teamExists } from "../../adapters/db/repos/teams.ts";
import { DomainError, notFound } from "../../basics/domain-error.ts";
import { newId } from "../../basics/ids.ts";
import { isAdmin, type Principal, type ServiceContext } from "../context.ts";
import { answerWithWrite } from "../idempotent-answers.ts";

/** Where a calendar application fetches the feed (relative to the server's base URL). */
export const FEED_PATH = "/api/v1/calendar.ics";

export function feedPath(secret: string): string {
  return `${FEED_PATH}?token=${encodeURIComponent(secret)}`;
}

export function hashCalendarSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

function mayManage(by: Principal, team: string): void {
  if (!isAdmin(by) && by.team !== team)
    throw new DomainError("forbidden", "members manage their own team's calendar tokens only");
}

function tokenView(r: CalendarTokenRow) {
  return {
    id: r.id,
    team: r.team,
    name: r.name,
    createdBy: r.created_by,
    createdAt: r.created_at.toISOString(),
    revokedAt: r.revoked_at ? r.revoked_at.toISOString() : null,
  };
}

export async function createCalendarToken(
  ctx: ServiceContext,
  by: Principal,
  team: string,
  req: { readonly name?: string | undefined },
) {
  mayManage(by, team);
  if (!(await teamExists(ctx.db, team))) throw notFound(`team ${team}`);
  const secret = `berthcal_${randomBytes(24).toString("base64url")}`;
  return ctx.db.transaction().execute(async (trx) => {
    const created = await insertCalendarToken(trx, {
      id: newId("cal"),
      tokenHash: hashCalendarSecret(secret),
      team,
      name: req.name ?? `${team} reservations`,
      createdBy: by.name,
    });
    await appendAudit(trx, {
      at: ctx.clock.now(),
      actor: by.name,
      action: "calendar-token.created",
      team,
      detail: { token: created.id },
    });
    const answer = { ...tokenView(created), token: secret, url: feedPath(secret) };
    // Only the id commits with it, never the secret: a retry after a crash is told the id (a 409).
    await answerWithWrite(trx, 201, answer, { secret: true });
    return answer;
  });
}

export async function listCalendarTokens(ctx: ServiceContext, by: Principal, team: string) {
  mayManage(by, team);
  return (await listRows(ctx.db, team)).map(tokenView);
}

export async function revokeCalendarToken(ctx: ServiceContext, by: Principal, team: string, id: string) {
  mayManage(by, team);
  const row = await getCalendarToken(ctx.db, id);
  if (!row || row.team !== team) throw notFound(`calendar token ${id}`);
  await ctx.db.transaction().execute(async (trx) => {
    await revokeRow(trx, id, new Date(ctx.clock.now()));
    await appendAudit(trx, {
      at: ctx.clock.now(),
      actor: by.name,
      action: "calendar-token.revoked",
      team,
      detail: { token: id },
    });
  });
  return tokenView((await getCalendarToken(ctx.db, id))!);
}
