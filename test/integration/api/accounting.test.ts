// GET /usage and GET /audit: what was booked, used and lent, and the history of every change,
// admin actions included; members read their own team's only.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, T0 } from "../../support/api-harness.ts";
import { bookingBody } from "../../support/booking-body.ts";
import { BACKENDS } from "../../support/database.ts";

describe.each(BACKENDS)("usage and audit on %s", (backend) => {
  let h: Harness;
  const member: Record<string, string> = {};
  beforeAll(async () => {
    h = await startHarness(backend);
    for (const team of ["vision", "audio"]) member[team] = await h.team(team);
  });
  afterAll(async () => h.close());

  it("reports GPU-hours booked per team and pool over a window", async () => {
    expect(
      (
        await h.call("POST", "/api/v1/reservations", {
          token: member.vision!,
          body: bookingBody({ gpusPerNode: 2 }),
        })
      ).status,
    ).toBe(201);
    expect(
      (await h.call("POST", "/api/v1/reservations", { token: member.audio!, body: bookingBody({}, 5) }))
        .status,
    ).toBe(201);
    const week = await h.call("GET", "/api/v1/usage");
    expect(week.status).toBe(200);
    expect(week.body.items).toEqual([
      { team: "audio", pool: "V100", bookedGpuHours: 1, usedGpuHours: 0, lentGpuHours: 0 },
      { team: "vision", pool: "V100", bookedGpuHours: 2, usedGpuHours: 0, lentGpuHours: 0 },
    ]);
    // A window that cuts the vision booking in half.
    const half = await h.call(
      "GET",
      `/api/v1/usage?team=vision&from=${new Date(T0 + 2.5 * 3600_000).toISOString()}&to=${new Date(T0 + 10 * 3600_000).toISOString()}`,
    );
    expect(half.body.items).toEqual([
      { team: "vision", pool: "V100", bookedGpuHours: 1, usedGpuHours: 0, lentGpuHours: 0 },
    ]);
  });

  it("shows a member its own team's usage only, and refuses another team's (403)", async () => {
    const own = await h.call("GET", "/api/v1/usage", { token: member.vision! });
    expect(own.body.items.map((i: { team: string }) => i.team)).toEqual(["vision"]);
    expect((await h.call("GET", "/api/v1/usage?team=audio", { token: member.vision! })).status).toBe(403);
  });

  it("audits admin actions: tokens, quotas, pools and webhooks", async () => {
    const t = await h.call("POST", "/api/v1/tokens", {
      body: { team: "vision", role: "member", name: "ci" },
    });
    await h.call("DELETE", `/api/v1/tokens/${t.body.id}`);
    await h.call("PUT", "/api/v1/teams/vision/quotas", { body: { high: 100 } });
    await h.call("PUT", "/api/v1/pools/T4", {
      body: { product: "Tesla-T4", computeCapability: "7.5", gpusPerNode: 4, nodes: 1 },
    });
    const w = await h.call("POST", "/api/v1/webhooks", {
      body: { team: "vision", url: "https://hooks.example.com/b", events: ["job.queued"] },
    });
    await h.call("DELETE", `/api/v1/webhooks/${w.body.id}`);
    const all = await h.call("GET", "/api/v1/audit?limit=500");
    expect(all.status).toBe(200);
    const actions = all.body.items.map((e: { action: string }) => e.action);
    for (const a of [
      "token.created",
      "token.revoked",
      "team.quotas-set",
      "pool.put",
      "webhook.created",
      "webhook.deleted",
    ])
      expect(actions).toContain(a);
    const revoked = all.body.items.find((e: { action: string }) => e.action === "token.revoked");
    expect(revoked).toMatchObject({ actor: "bootstrap-admin", team: "vision", detail: { token: t.body.id } });
    expect(JSON.stringify(all.body)).not.toContain(t.body.token);
  });

  it("pages through the history with a cursor, and keeps members to their own team", async () => {
    const first = await h.call("GET", "/api/v1/audit?limit=2");
    expect(first.body.items).toHaveLength(2);
    const next = await h.call("GET", `/api/v1/audit?limit=500&cursor=${first.body.nextCursor}`);
    expect(Number(next.body.items[0].id)).toBeGreaterThan(Number(first.body.items[1].id));
    const own = await h.call("GET", "/api/v1/audit?limit=500", { token: member.audio! });
    expect(own.body.items.length).toBeGreaterThan(0);
    expect(new Set(own.body.items.map((e: { team: string }) => e.team))).toEqual(new Set(["audio"]));
    expect((await h.call("GET", "/api/v1/audit?team=vision", { token: member.audio! })).status).toBe(403);
  });
});
