import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, HOUR, startHarness, T0 } from "../../support/api-harness.ts";
import { BACKENDS } from "../../support/database.ts";

const iso = (t: number) => new Date(t).toISOString();
const body = (over: Record<string, unknown> = {}) => ({
  pool: "V100",
  nodes: 1,
  gpusPerNode: 1,
  priority: "normal",
  start: iso(T0 + 2 * HOUR),
  end: iso(T0 + 3 * HOUR),
  ...over,
});

describe.each(BACKENDS)("auth and team isolation on %s", (backend) => {
  let h: Harness;
  let vision: string;
  let audio: string;
  let visionBooking: string;
  beforeAll(async () => {
    h = await startHarness(backend, { rateLimit: 50 });
    vision = await h.team("vision");
    audio = await h.team("audio");
    visionBooking = (await h.call("POST", "/api/v1/reservations", { body: body({ team: "vision" }) })).body
      .id;
  });
  afterAll(async () => h.close());

  it.each([
    ["book for another team", "POST", "/api/v1/reservations", body({ team: "vision" })],
    ["change another team's booking", "PATCH", "/reservations/ID", { end: iso(T0 + 4 * HOUR) }],
    ["cancel another team's booking", "DELETE", "/reservations/ID", undefined],
    ["create a team", "POST", "/api/v1/teams", { name: "rogue" }],
    ["set quotas", "PUT", "/api/v1/teams/audio/quotas", { critical: 100 }],
    ["mint an admin token", "POST", "/api/v1/tokens", { role: "admin", name: "x" }],
    [
      "mint a token for another team",
      "POST",
      "/api/v1/tokens",
      { team: "vision", role: "member", name: "x" },
    ],
    [
      "configure pools",
      "PUT",
      "/api/v1/pools/H100",
      { product: "H100", computeCapability: "9.0", gpusPerNode: 8, nodes: 1 },
    ],
  ])("forbids a member to %s (403, nothing changes)", async (_name, method, path, payload) => {
    const url = path.startsWith("/reservations/") ? `/api/v1${path.replace("ID", visionBooking)}` : path;
    const before = (await h.call("GET", "/api/v1/reservations?limit=500")).body;
    const r = await h.call(method, url, {
      token: audio,
      ...(payload !== undefined ? { body: payload } : {}),
    });
    expect(r.status).toBe(403);
    expect(r.body.type).toBe("https://berth.dev/problems/forbidden");
    expect((await h.call("GET", "/api/v1/reservations?limit=500")).body).toEqual(before);
  });

  it("lets a member read every team's bookings (the timeline shows all)", async () => {
    const r = await h.call("GET", `/api/v1/reservations/${visionBooking}`, { token: audio });
    expect(r.status).toBe(200);
  });

  it("lets an admin book for any team at any priority, unbound by quotas", async () => {
    const r = await h.call("POST", "/api/v1/reservations", {
      body: body({ team: "audio", priority: "critical", start: iso(T0 + 5 * HOUR), end: iso(T0 + 6 * HOUR) }),
    });
    expect(r.status).toBe(201);
    expect(r.body.team).toBe("audio");
  });

  it("stops accepting a revoked token", async () => {
    const t = await h.call("POST", "/api/v1/tokens", {
      token: vision,
      body: { role: "member", name: "temp" },
    });
    expect(t.status).toBe(201);
    expect((await h.call("GET", "/api/v1/whoami", { token: t.body.token })).body).toMatchObject({
      team: "vision",
      role: "member",
    });
    expect((await h.call("DELETE", `/api/v1/tokens/${t.body.id}`, { token: vision })).status).toBe(200);
    // The auth cache holds a principal for at most 5 s.
    await expect
      .poll(async () => (await h.call("GET", "/api/v1/whoami", { token: t.body.token })).status, {
        timeout: 8000,
        interval: 500,
      })
      .toBe(401);
  });

  it("answers 429 with Retry-After once a token exceeds BERTH_RATE_LIMIT", async () => {
    const t = (
      await h.call("POST", "/api/v1/tokens", { token: vision, body: { role: "member", name: "burst" } })
    ).body.token;
    const replies = await Promise.all(
      Array.from({ length: 150 }, () => h.call("GET", "/api/v1/whoami", { token: t })),
    );
    const limited = replies.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(Number(limited[0]!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(limited[0]!.body.type).toBe("https://berth.dev/problems/rate-limited");
  });
});
