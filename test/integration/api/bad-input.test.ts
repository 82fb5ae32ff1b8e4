// Bad input is a 4xx naming the field, and changes nothing: control characters and deep nesting
// anywhere (one rule before routing), huge numbers, missing bodies, out-of-range values (422), and
// Idempotency-Key misuse.
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../../support/api-harness.ts";
import { bookingBody } from "../../support/booking-body.ts";
import { BACKENDS } from "../../support/database.ts";

const booking = (over: Record<string, unknown> = {}) => bookingBody(over);

/** A job whose spec is nested `depth` deep, as raw JSON (JSON.stringify itself would overflow). */
function nestedJob(depth: number): string {
  return `{"kind":"train","pool":"V100","gpus":1,"spec":{"a":${"[".repeat(depth)}${"]".repeat(depth)}}}`;
}

async function counts(h: Harness) {
  const r = await sql<Record<string, string>>`
    SELECT (SELECT count(*) FROM reservations) AS reservations, (SELECT count(*) FROM jobs) AS jobs,
      (SELECT count(*) FROM teams) AS teams, (SELECT count(*) FROM api_tokens) AS tokens,
      (SELECT count(*) FROM webhooks) AS webhooks,
      (SELECT string_agg(quota::text, ',' ORDER BY name) FROM teams) AS quotas`.execute(h.ctx.db);
  return r.rows[0];
}

describe.each(BACKENDS)("bad input on %s", (backend) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(backend);
    await h.team("vision");
  });
  afterAll(async () => h.close());

  it.each([
    ["a NUL in a path segment", "GET", "/api/v1/reservations/r-1%00x", undefined, "path"],
    ["a NUL in a team's path", "PUT", "/api/v1/teams/vi%00sion/quotas", { high: 1 }, "path"],
    ["a NUL in a query value", "GET", "/api/v1/reservations?team=vi%00sion", undefined, "team"],
    ["a NUL in a query name", "GET", "/api/v1/jobs?st%00ate=queued", undefined, "st\u0000ate"],
    ["a NUL in a body string", "POST", "/api/v1/reservations", booking({ title: "a\u0000b" }), "title"],
    ["an escape in a body string", "POST", "/api/v1/reservations", booking({ title: "\u001b[31m" }), "title"],
    ["a NUL in a team name", "POST", "/api/v1/teams", { name: "x\u0000" }, "name"],
    [
      "a NUL in a token name",
      "POST",
      "/api/v1/tokens",
      { role: "member", team: "vision", name: "\u0000" },
      "name",
    ],
    [
      "a NUL deep in a job spec",
      "POST",
      "/api/v1/jobs",
      { kind: "external", pool: "V100", gpus: 1, spec: { image: "x", env: { A: "b\u0000" } } },
      "spec",
    ],
    [
      "a NUL in a key",
      "POST",
      "/api/v1/jobs",
      { kind: "external", pool: "V100", gpus: 1, spec: { "a\u0000": 1 } },
      "spec",
    ],
    ["a spec nested 20,000 deep", "POST", "/api/v1/jobs", { raw: nestedJob(20_000) }, "spec"],
    ["a spec nested 33 deep", "POST", "/api/v1/jobs", { raw: nestedJob(33) }, "spec"],
    ["a PUT without a body", "PUT", "/api/v1/teams/vision/quotas", undefined, "body"],
  ])("refuses %s with a 400 naming the field, changing nothing", async (_n, method, path, body, field) => {
    const before = await counts(h);
    const r = await h.call(method, path, body === undefined ? {} : "raw" in body ? body : { body });
    expect(r.status).toBe(400);
    expect(r.headers.get("content-type")).toMatch(/application\/problem\+json/);
    expect(r.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    expect(await counts(h)).toEqual(before);
  });

  it("accepts tabs and new lines in free text", async () => {
    const r = await h.call("POST", "/api/v1/reservations", {
      body: booking({ title: "a\tb\nc", team: "vision" }),
    });
    expect(r.status).toBe(201);
    expect(r.body.title).toBe("a\tb\nc");
  });

  it.each([
    ["nodes: 0", "POST", "/api/v1/reservations", booking({ nodes: 0 }), "nodes"],
    ["gpusPerNode: 0", "POST", "/api/v1/reservations", booking({ gpusPerNode: 0 }), "gpusPerNode"],
    ["an unknown priority", "POST", "/api/v1/reservations", booking({ priority: "urgent" }), "priority"],
    ["7.9e307 GPU-hours", "PUT", "/api/v1/teams/vision/quotas", { high: 7.9e307 }, "high"],
    ["a negative quota", "PUT", "/api/v1/teams/vision/quotas", { high: -1 }, "high"],
  ])("refuses %s as invalid (422 with errors), changing nothing", async (_n, method, path, body, field) => {
    const before = await counts(h);
    const r = await h.call(method, path, { body });
    expect(r.status).toBe(422);
    expect(r.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    expect(await counts(h)).toEqual(before);
  });

  it("refuses a too long Idempotency-Key as invalid, naming the header", async () => {
    const r = await h.call("POST", "/api/v1/teams", {
      body: { name: "long-key" },
      headers: { "idempotency-key": "k".repeat(201) },
    });
    expect(r.status).toBe(422);
    expect(r.body.errors).toEqual([{ field: "Idempotency-Key", message: expect.any(String) }]);
  });

  it("refuses a reused Idempotency-Key with another body as invalid, naming the header", async () => {
    const headers = { "idempotency-key": "reuse-1" };
    expect((await h.call("POST", "/api/v1/teams", { body: { name: "reuse-a" }, headers })).status).toBe(201);
    const r = await h.call("POST", "/api/v1/teams", { body: { name: "reuse-b" }, headers });
    expect(r.status).toBe(422);
    expect(r.body.errors).toEqual([{ field: "Idempotency-Key", message: expect.any(String) }]);
  });

  it.each([
    ["a token", "/api/v1/tokens", { role: "member", team: "vision", name: "ci" }, "token"],
    [
      "a webhook's signing secret",
      "/api/v1/webhooks",
      { team: "vision", url: "https://hooks.example.com/x", events: ["job.queued"] },
      "secret",
    ],
  ])("never stores %s behind an Idempotency-Key; a retry is told so", async (_n, path, body, secretField) => {
    const headers = { "idempotency-key": `secret-${secretField}` };
    const first = await h.call("POST", path, { body, headers });
    expect(first.status).toBe(201);
    const secret = first.body[secretField] as string;
    const stored = await sql<{ body: unknown }>`SELECT body FROM idempotency_keys`.execute(h.ctx.db);
    expect(JSON.stringify(stored.rows)).not.toContain(secret);
    const retry = await h.call("POST", path, { body, headers });
    expect(retry.status).toBe(409);
    expect(retry.body.id).toBe(first.body.id);
    expect(JSON.stringify(retry.body)).not.toContain(secret);
  });
});
