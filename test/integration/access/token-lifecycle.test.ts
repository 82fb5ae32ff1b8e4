// Tokens end when they should: at their expiry, when revoked (a restart does not bring a revoked
// bootstrap admin back), and never at a member's hand when they are an admin's.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bootstrapAdmin } from "../../../src/services/access/auth.ts";
import { ADMIN_TOKEN, type Harness, startHarness, T0 } from "../../support/api-harness.ts";
import { BACKENDS } from "../../support/database.ts";

describe.each(BACKENDS)("token lifecycle on %s", (backend) => {
  let h: Harness;
  let vision: string;
  beforeAll(async () => {
    h = await startHarness(backend, { security: { memberTokenTtlSeconds: 3600 } });
    vision = await h.team("vision");
  });
  afterAll(async () => h.close());

  it("refuses a member revoking an admin token bound to its own team, which keeps working", async () => {
    const admin = await h.call("POST", "/api/v1/tokens", {
      body: { team: "vision", role: "admin", name: "vision-admin" },
    });
    expect(admin.status).toBe(201);
    const r = await h.call("DELETE", `/api/v1/tokens/${admin.body.id}`, { token: vision });
    expect(r.status).toBe(403);
    expect((await h.call("GET", "/api/v1/whoami", { token: admin.body.token })).status).toBe(200);
  });

  it("gives member tokens the default lifetime, and refuses them once expired (401)", async () => {
    const t = await h.call("POST", "/api/v1/tokens", {
      body: { team: "vision", role: "member", name: "ttl" },
    });
    expect(t.body.expiresAt).toBe(new Date(T0 + 3600_000).toISOString());
    expect((await h.call("GET", "/api/v1/whoami", { token: t.body.token })).status).toBe(200);
    h.setNow(T0 + 3600_000);
    try {
      expect((await h.call("GET", "/api/v1/whoami", { token: t.body.token })).status).toBe(401);
    } finally {
      h.setNow(T0);
    }
  });

  it("honours expiresIn and expiresAt, and leaves admin tokens without one unexpiring", async () => {
    const a = await h.call("POST", "/api/v1/tokens", {
      body: { team: "vision", role: "member", name: "short", expiresIn: 120 },
    });
    expect(a.body.expiresAt).toBe(new Date(T0 + 120_000).toISOString());
    const b = await h.call("POST", "/api/v1/tokens", {
      body: {
        team: "vision",
        role: "member",
        name: "dated",
        expiresAt: new Date(T0 + 86_400_000).toISOString(),
      },
    });
    expect(b.body.expiresAt).toBe(new Date(T0 + 86_400_000).toISOString());
    const admin = await h.call("POST", "/api/v1/tokens", { body: { role: "admin", name: "ops" } });
    expect(admin.body.expiresAt).toBeNull();
    const past = await h.call("POST", "/api/v1/tokens", {
      body: { team: "vision", role: "member", name: "past", expiresAt: new Date(T0 - 1000).toISOString() },
    });
    expect(past.status).toBe(422);
    expect(past.body.errors[0].field).toBe("expiresAt");
  });

  it("keeps a revoked bootstrap admin token revoked across a restart; a new value is a new token", async () => {
    const other = await h.call("POST", "/api/v1/tokens", { body: { role: "admin", name: "second-admin" } });
    const second = other.body.token as string;
    expect((await h.call("DELETE", "/api/v1/tokens/tok-admin-bootstrap", { token: second })).status).toBe(
      200,
    );
    // A restart with the same value: bootstrapAdmin runs again, as start-up does.
    const again = await bootstrapAdmin(h.ctx, { adminToken: ADMIN_TOKEN, dataDir: "/nonexistent" });
    expect(again.revoked).toBe(true);
    await new Promise((r) => setTimeout(r, 5_100)); // the auth cache's lifetime (src/api/auth.ts)
    expect((await h.call("GET", "/api/v1/whoami", { token: ADMIN_TOKEN })).status).toBe(401);
    const rotated = "rotated-admin-token-0123456789";
    await bootstrapAdmin(h.ctx, { adminToken: rotated, dataDir: "/nonexistent" });
    expect((await h.call("GET", "/api/v1/whoami", { token: rotated })).status).toBe(200);
    expect((await h.call("GET", "/api/v1/whoami", { token: ADMIN_TOKEN })).status).toBe(401);
  });
});
