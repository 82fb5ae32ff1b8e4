import fc from "fast-check";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, type Harness, HOUR, startHarness, T0 } from "../../support/api-harness.ts";
import { BACKENDS } from "../../support/database.ts";
import { requestArbitrary } from "../../support/openapi-arbitraries.ts";

/** Everything a request could change, as one comparable string. */
async function fingerprint(h: Harness): Promise<string> {
  const r = await sql<Record<string, unknown>>`
    SELECT
      (SELECT string_agg(id || ':' || state || ':' || end_at::text, ',' ORDER BY id) FROM reservations) AS reservations,
      (SELECT count(*) FROM reservation_slots) AS slots,
      (SELECT string_agg(id || ':' || state, ',' ORDER BY id) FROM jobs) AS jobs,
      (SELECT string_agg(name || ':' || quota::text || ':' || coalesce(max_gpus, -1), ',' ORDER BY name) FROM teams) AS teams,
      (SELECT string_agg(id || ':' || (revoked_at IS NULL), ',' ORDER BY id) FROM api_tokens) AS tokens,
      (SELECT string_agg(name || ':' || gpus_per_node, ',' ORDER BY name) FROM pools) AS pools,
      (SELECT count(*) FROM nodes) AS nodes,
      (SELECT count(*) FROM webhooks) AS webhooks,
      (SELECT count(*) FROM events) AS events,
      (SELECT count(*) FROM audit_log) AS audit`.execute(h.ctx.db);
  return JSON.stringify(r.rows[0]);
}

describe.each(BACKENDS)("API fuzzing from /openapi.json on %s", (backend) => {
  let h: Harness;
  let tokens: (string | null)[];
  let doc: Record<string, unknown>;
  const ids: string[] = [];
  beforeAll(async () => {
    h = await startHarness(backend);
    tokens = [ADMIN_TOKEN, await h.team("vision"), await h.team("audio"), null];
    const iso = (t: number) => new Date(t).toISOString();
    for (let i = 0; i < 4; i++) {
      const r = await h.call("POST", "/api/v1/reservations", {
        token: tokens[1]!,
        body: {
          pool: "V100",
          nodes: 1,
          gpusPerNode: 1,
          priority: "normal",
          start: iso(T0 + (i + 2) * HOUR),
          end: iso(T0 + (i + 3) * HOUR),
        },
      });
      ids.push(r.body.id);
    }
    const j = await h.call("POST", "/api/v1/jobs", {
      token: tokens[1]!,
      body: { kind: "external", pool: "V100", gpus: 1, spec: { image: "busybox:1.36" } },
    });
    ids.push(j.body.id);
    doc = (await h.call("GET", "/openapi.json")).body;
  });
  afterAll(async () => h.close());

  it("never answers 5xx, and a rejected request changes nothing", async () => {
    const times = [-8, -1, 0, 1, 2, 3, 4, 5, 8, 24, 24 * 100].flatMap((hrs) => [
      new Date(T0 + hrs * HOUR).toISOString(),
      new Date(T0 + hrs * HOUR + 7 * 60_000).toISOString(),
    ]);
    const arb = requestArbitrary(
      doc,
      {
        times: [...times, "2026-12-01T12:00:00+00:00", "yesterday"],
        names: ["V100", "vision", "audio", "nope", "t-1"],
        ids,
      },
      (path, method) => path === "/api/v1/events" && method === "get",
    );
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(arb, async (req) => {
        const before = await fingerprint(h);
        const res = await h.call(req.method, req.path, {
          token: tokens[req.tokenIndex] ?? null,
          ...(req.body !== undefined ? { body: req.body } : {}),
        });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        expect(res.status, `${req.method} ${req.path} ${JSON.stringify(req.body)}`).toBeLessThan(500);
        if (res.status >= 400) {
          expect(res.headers.get("content-type")).toMatch(/application\/problem\+json/);
          expect(
            await fingerprint(h),
            `${req.method} ${req.path} ${JSON.stringify(req.body)} -> ${res.status}`,
          ).toBe(before);
        }
      }),
      { numRuns: 400 },
    );
    if (process.env.BERTH_FUZZ_REPORT) console.log(backend, Object.fromEntries(statuses));
    // The generator reaches both accepted and rejected paths.
    const ok = [...statuses].filter(([s]) => s < 300).reduce((n, [, c]) => n + c, 0);
    expect(ok).toBeGreaterThan(20);
    expect(statuses.get(422) ?? 0).toBeGreaterThan(0);
  });
});
