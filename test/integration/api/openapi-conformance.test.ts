// The OpenAPI document says what the server does: every documented path answers a method it does
// not serve with 405 and `Allow` (not 404), and every operation declares the error statuses the
// server can give it.
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, type Harness, startHarness } from "../../support/api-harness.ts";

/** fetch refuses TRACE: a plain node:http request sends any method. */
function rawCall(base: string, method: string, path: string): Promise<{ status: number; allow: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${base}${path}`,
      { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } },
      (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? 0, allow: String(res.headers.allow ?? "") }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

describe("the OpenAPI document against the server", () => {
  let h: Harness;
  let doc: { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
  beforeAll(async () => {
    h = await startHarness("pglite");
    doc = (await h.call("GET", "/openapi.json")).body;
  });
  afterAll(async () => h.close());

  it("answers TRACE and other unserved methods on every documented path with 405 and Allow", async () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      const url = path.replace(/\{(\w+)\}/g, "x");
      for (const method of ["TRACE", "PATCH", "PUT"]) {
        if (method.toLowerCase() in ops) continue;
        const r = await rawCall(h.url, method, url);
        expect(r.status, `${method} ${path}`).toBe(405);
        const allow = r.allow.split(", ");
        for (const m of Object.keys(ops)) expect(allow, `${path} Allow`).toContain(m.toUpperCase());
      }
    }
  });

  it("declares 400, 401, 403, 404, 409, 422 and 429 for every operation", () => {
    for (const [path, ops] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(ops))
        for (const status of ["400", "401", "403", "404", "409", "422", "429"])
          expect(Object.keys(op.responses), `${method} ${path}`).toContain(status);
  });
});
