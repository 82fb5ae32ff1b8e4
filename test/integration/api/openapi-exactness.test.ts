// Findings of schemathesis (every check) against the served document, one case each: the document
// now says what the server refuses as malformed, and a pool's size is capped with a 422 instead of
// a 500 (gpuMemoryMiB beyond a PostgreSQL integer), a loop that cannot plan (more than 30 GPUs a
// node) or a request that times out (10,000 nodes written in one transaction).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../../support/api-harness.ts";

describe("the OpenAPI document is as strict as the server", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness("pglite");
  });
  afterAll(async () => h.close());

  // biome-ignore lint/suspicious/noExplicitAny: the document is arbitrary JSON
  const doc = async (): Promise<any> => (await fetch(`${h.url}/openapi.json`)).json();

  it("declares the input guard's rule on request strings and free-form JSON, at any depth", async () => {
    const d = await doc();
    const create = d.components.schemas.ReservationCreate.properties;
    expect(create.title.pattern).toBe("^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]*$");
    const jobSpec = d.components.schemas.JobCreate.properties.spec;
    expect(JSON.stringify(jobSpec)).toContain("#/components/schemas/JsonValue");
    expect(d.components.schemas.JsonValue.anyOf).toContainEqual({
      type: "object",
      propertyNames: { pattern: create.title.pattern },
      additionalProperties: { $ref: "#/components/schemas/JsonValue" },
    });
    // Responses are left as they are: what a cluster reports may hold any character.
    expect(d.components.schemas.Reservation.properties.title.pattern).toBeUndefined();
  });

  it("gives tuples their exact length and says an A/B check takes data or a report with its pool", async () => {
    const d = await doc();
    const ci95 = d.components.schemas.AbReport.properties.delta.properties.ci95;
    expect(ci95).toMatchObject({ minItems: 2, maxItems: 2 });
    expect(d.components.schemas.AbCheckCreate.oneOf).toEqual([
      { required: ["data"], not: { required: ["report"] } },
      { required: ["report", "pool"], not: { required: ["data"] } },
    ]);
  });

  it.each([
    ["gpusPerNode", { gpusPerNode: 31, nodes: 1 }],
    ["nodes", { gpusPerNode: 8, nodes: 1001 }],
    ["gpuMemoryMiB", { gpusPerNode: 8, nodes: 1, gpuMemoryMiB: 10_000_000_000 }],
  ])("refuses a pool's %s beyond its cap with 422 naming it", async (field, size) => {
    const r = await h.call("PUT", "/api/v1/pools/big", {
      body: { product: "x", computeCapability: "7.0", ...size },
    });
    expect(r.status).toBe(422);
    expect(r.body.errors.map((e: { field: string }) => e.field)).toEqual([field]);
    expect(
      (await h.call("GET", "/api/v1/pools")).body.items.map((p: { name: string }) => p.name),
    ).not.toContain("big");
  });
});
