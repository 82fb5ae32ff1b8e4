// Principal of a token id (stream tickets refer to the token that asked for them).
import type { Principal, ServiceContext } from "../context.ts";

export async function authenticateById(ctx: ServiceContext, id: string): Promise<Principal | null> {
  const row = await ctx.db
    .selectFrom("api_tokens")
    .select(["id", "name", "role", "team"])
    .where("id", "=", id)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return row ? { tokenId: row.id, name: row.name, role: row.role, team: row.team } : null;
}
