// Short-lived, single-use tickets for the event stream: a browser EventSource cannot send an
// Authorization header, so the UI trades its token for a ticket it may put in the URL.
import { createHash, randomBytes } from "node:crypto";
import { insertStreamTicket, takeStreamTicket } from "../../adapters/db/repos/stream-tickets.ts";
import { authenticateById } from "../access/auth-lookup.ts";
import type { Principal, ServiceContext } from "../context.ts";

export const TICKET_TTL_MS = 60_000;

const hash = (t: string) => createHash("sha256").update(t).digest("hex");

export async function issueTicket(ctx: ServiceContext, by: Principal) {
  const ticket = randomBytes(24).toString("base64url");
  const expires = ctx.clock.now() + TICKET_TTL_MS;
  await insertStreamTicket(ctx.db, { hash: hash(ticket), tokenId: by.tokenId, expiresAt: expires });
  return { ticket, expiresAt: new Date(expires).toISOString() };
}

export async function consumeTicket(ctx: ServiceContext, ticket: string): Promise<Principal | null> {
  const held = await takeStreamTicket(ctx.db, hash(ticket));
  if (!held || held.expiresAt < ctx.clock.now()) return null;
  return authenticateById(ctx, held.tokenId);
}
