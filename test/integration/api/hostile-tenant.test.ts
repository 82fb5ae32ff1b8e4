// A hostile tenant gets nothing: with its own member token, every write to another team's things
// is refused and changes nothing, and every read beyond what docs/rules.md §4 lets members see
// (every team's reservations; another team's jobs without their spec) is refused or narrowed.
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../../support/api-harness.ts";
import { bookingBody } from "../../support/booking-body.ts";
import { BACKENDS } from "../../support/database.ts";

async function fingerprint(h: Harness): Promise<string> {
  const r = await sql<Record<string, unknown>>`
    SELECT
      (SELECT string_agg(id || ':' || state || ':' || end_at::text, ',' ORDER BY id) FROM reservations) AS reservations,
      (SELECT string_agg(id || ':' || state, ',' ORDER BY id) FROM jobs) AS jobs,
      (SELECT string_agg(name || ':' || quota::text, ',' ORDER BY name) FROM teams) AS teams,
      (SELECT string_agg(id || ':' || (revoked_at IS NULL), ',' ORDER BY id) FROM api_tokens) AS tokens,
      (SELECT string_agg(id, ',' ORDER BY id) FROM webhooks) AS webhooks,
      (SELECT count(*) FROM pools) AS pools,
      (SELECT count(*) FROM audit_log) AS audit`.execute(h.ctx.db);
  return JSON.stringify(r.rows[0]);
}

describe.each(BACKENDS)("a hostile tenant on %s", (backend) => {
  let h: Harness;
  let vision: string;
  let mallory: string;
  const own: Record<string, string> = {};
  beforeAll(async () => {
    h = await startHarness(backend);
    vision = await h.team("vision");
    mallory = await h.team("mallory");
    own.reservation = (
      await h.call("POST", "/api/v1/reservations", { token: vision, body: bookingBody() })
    ).body.id;
    own.job = (
      await h.call("POST", "/api/v1/jobs", {
        token: vision,
        body: {
          kind: "external",
          pool: "V100",
          gpus: 1,
          spec: { image: "registry.example.com/secret-project:1" },
        },
      })
    ).body.id;
    own.webhook = (
      await h.call("POST", "/api/v1/webhooks", {
        token: vision,
        body: { url: "https://hooks.example.com/vision", events: ["job.queued"] },
      })
    ).body.id;
    own.token = (await h.call("GET", "/api/v1/tokens", { token: vision })).body.items[0].id;
    own.admin = (
      await h.call("POST", "/api/v1/tokens", { body: { team: "vision", role: "admin", name: "va" } })
    ).body.id;
  });
  afterAll(async () => h.close());

  const writes: [string, string, string, unknown][] = [
    ["book for the other team", "POST", "/api/v1/reservations", bookingBody({ team: "vision" }, 6)],
    [
      "move its booking's end",
      "PATCH",
      "/api/v1/reservations/{reservation}",
      { end: "2026-12-01T16:00:00.000Z" },
    ],
    ["cancel its booking", "DELETE", "/api/v1/reservations/{reservation}", undefined],
    [
      "submit a job for it",
      "POST",
      "/api/v1/jobs",
      { kind: "external", pool: "V100", gpus: 1, team: "vision", spec: { image: "x" } },
    ],
    ["cancel its job", "DELETE", "/api/v1/jobs/{job}", undefined],
    [
      "register a webhook for it",
      "POST",
      "/api/v1/webhooks",
      { team: "vision", url: "https://e.example.com/", events: ["job.queued"] },
    ],
    ["remove its webhook", "DELETE", "/api/v1/webhooks/{webhook}", undefined],
    ["mint a token for it", "POST", "/api/v1/tokens", { team: "vision", role: "member", name: "m" }],
    ["mint an admin token", "POST", "/api/v1/tokens", { role: "admin", name: "m" }],
    ["revoke its member token", "DELETE", "/api/v1/tokens/{token}", undefined],
    ["revoke its admin token", "DELETE", "/api/v1/tokens/{admin}", undefined],
    ["set its quotas", "PUT", "/api/v1/teams/vision/quotas", { critical: 1000 }],
    ["set its own quotas", "PUT", "/api/v1/teams/mallory/quotas", { critical: 1000 }],
    ["create a team", "POST", "/api/v1/teams", { name: "mallory-2" }],
    [
      "configure a pool",
      "PUT",
      "/api/v1/pools/V100",
      { product: "x", computeCapability: "7.0", gpusPerNode: 8, nodes: 100 },
    ],
    [
      "take a node out",
      "POST",
      "/api/v1/maintenance",
      { node: "V100-0", start: "2026-12-01T14:00:00.000Z", end: "2026-12-01T15:00:00.000Z" },
    ],
  ];

  it.each(writes)("cannot %s (403, nothing changes)", async (_n, method, path, body) => {
    const before = await fingerprint(h);
    const url = path.replace(/\{(\w+)\}/, (_m, k: string) => own[k]!);
    const r = await h.call(method, url, { token: mallory, ...(body !== undefined ? { body } : {}) });
    expect(r.status).toBe(403);
    expect(await fingerprint(h)).toBe(before);
  });

  it.each([
    ["read its usage", "/api/v1/usage?team=vision"],
    ["read its audit history", "/api/v1/audit?team=vision"],
  ])("cannot %s (403)", async (_n, path) => {
    expect((await h.call("GET", path, { token: mallory })).status).toBe(403);
  });

  it("sees only its own tokens, webhooks, usage and audit entries", async () => {
    for (const path of ["/api/v1/tokens", "/api/v1/webhooks", "/api/v1/audit?limit=500", "/api/v1/usage"]) {
      const r = await h.call("GET", path, { token: mallory });
      expect(r.status).toBe(200);
      for (const item of r.body.items) expect(item.team, path).toBe("mallory");
    }
  });

  it("sees another team's job without its spec, and its reservations (the timeline shows all)", async () => {
    const job = await h.call("GET", `/api/v1/jobs/${own.job}`, { token: mallory });
    expect(job.status).toBe(200);
    expect(JSON.stringify(job.body)).not.toContain("secret-project");
    const list = await h.call("GET", "/api/v1/jobs?team=vision", { token: mallory });
    expect(JSON.stringify(list.body)).not.toContain("secret-project");
    expect((await h.call("GET", `/api/v1/reservations/${own.reservation}`, { token: mallory })).status).toBe(
      200,
    );
  });
});
