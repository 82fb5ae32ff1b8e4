// Short-lived, single-use tickets for the event stream: a browser EventSource cannot send an
// Authorization header, so the UI trades its token for a ticket it may put in the URL.
import { createHash, randomBytes } from "node:crypto";
import { authenticateById } from "../access/auth-lookup.ts";
import type { Principal, ServiceContext } from "../context.ts";

export const TICKET_TTL_MS = 60_000;

const hash = (t: string) => createHash("sha256").update(t).digest("hex");

export async function issueTicket(ctx: ServiceContext, by: Principal) {
  const ticket = randomBytes(24).toString("base64url");
  const expires = ctx.clock.now() + TICKET_TTL_MS;
  await ctx.db
    .insertInto("stream_tickets")
    .values({ ticket_hash: hash(ticket), token_id: by.tokenId, expires_at: new Date(expires) })
    .execute();
  return { ticket, expiresAt: new Date(expires).toISOString() };
}

export async function consumeTicket(ctx: ServiceContext, ticket: string): Promise<Principal | null> {
  const row = await ctx.db
    .deleteFrom("stream_tickets")
    .where("ticket_hash", "=", hash(ticket))
    .returning(["token_id", "expires_at"])
    .executeTakeFirst();
  if (!row || row.expires_at.getTime() < ctx.clock.now()) return null;
  return authenticateById(ctx, row.token_id);
}
