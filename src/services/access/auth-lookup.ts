// Principal of a token id (stream tickets refer to the token that asked for them).
import { findActiveToken } from "../../adapters/db/repos/tokens.ts";
import type { Principal, ServiceContext } from "../context.ts";

export async function authenticateById(ctx: ServiceContext, id: string): Promise<Principal | null> {
  const row = await findActiveToken(ctx.db, { id }, new Date(ctx.clock.now()));
  return row ? { tokenId: row.id, name: row.name, role: row.role, team: row.team } : null;
}
