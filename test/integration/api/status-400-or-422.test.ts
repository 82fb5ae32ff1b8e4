// 400 or 422 (docs/rules.md §4): what is wrong decides, never the route. A request that does not
// match its schema (bad JSON, a wrong type, a missing or unknown field, a time in the wrong format)
// is a 400; one with the right shape and a refused value (out of range, not an allowed word, or a
// rule no schema states) is a 422; both carry `errors` naming the field.
import { describe, expect, it } from "vitest";
import { useHarness } from "../../support/api-harness.ts";
import { bookingBody } from "../../support/booking-body.ts";
import { BACKENDS } from "../../support/database.ts";

const booking = (over: Record<string, unknown> = {}) => bookingBody({ team: "vision", ...over });
const without = (field: string) => {
  const { [field]: _gone, ...rest } = booking();
  return rest;
};

type Case = readonly [string, string, string, unknown, 400 | 422, string];

const CASES: readonly Case[] = [
  ["a wrong type", "POST", "/api/v1/reservations", booking({ nodes: "1" }), 400, "nodes"],
  [
    "a fraction for an integer",
    "POST",
    "/api/v1/reservations",
    booking({ gpusPerNode: 1.5 }),
    400,
    "gpusPerNode",
  ],
  ["a missing field", "POST", "/api/v1/reservations", without("pool"), 400, "pool"],
  ["an unknown field", "POST", "/api/v1/reservations", booking({ colour: "red" }), 400, "colour"],
  ["a time not in ISO 8601", "POST", "/api/v1/reservations", booking({ start: "tomorrow" }), 400, "start"],
  ["a team name its pattern refuses", "POST", "/api/v1/teams", { name: "Vision!" }, 400, "name"],
  [
    "a wrong type beside a value out of range",
    "POST",
    "/api/v1/reservations",
    booking({ nodes: 0, colour: 1 }),
    400,
    "colour",
  ],
  ["a number out of its range", "POST", "/api/v1/reservations", booking({ nodes: 0 }), 422, "nodes"],
  ["a word not allowed", "POST", "/api/v1/reservations", booking({ priority: "urgent" }), 422, "priority"],
  [
    "a string too long",
    "POST",
    "/api/v1/maintenance",
    { node: "V100-0", start: booking().start, end: booking().end, reason: "x".repeat(201) },
    422,
    "reason",
  ],
  [
    "an empty name",
    "POST",
    "/api/v1/models",
    { team: "vision", name: "", version: "1", artifacts: { fp32: "m.onnx" } },
    422,
    "name",
  ],
  [
    "an unknown event type",
    "POST",
    "/api/v1/webhooks",
    { team: "vision", url: "https://hooks.example/x", events: ["job.exploded"] },
    422,
    "events",
  ],
  [
    "a duration off the booking grid",
    "GET",
    "/api/v1/availability?pool=V100&gpusPerNode=1&duration=1000",
    undefined,
    422,
    "duration",
  ],
  [
    "a duration that is no number",
    "GET",
    "/api/v1/availability?pool=V100&gpusPerNode=1&duration=soon",
    undefined,
    400,
    "duration",
  ],
  [
    "an end before the start",
    "POST",
    "/api/v1/reservations",
    booking({ end: bookingBody({}, 1).start }),
    422,
    "end",
  ],
  ["an unknown pool", "POST", "/api/v1/reservations", booking({ pool: "H100" }), 422, "pool"],
  [
    "an unknown node",
    "POST",
    "/api/v1/maintenance",
    { node: "H100-0", start: booking().start, end: booking().end },
    422,
    "node",
  ],
];

describe.each(BACKENDS)("400 or 422 on %s", (backend) => {
  const env = useHarness(backend, ["vision"]);

  it.each(CASES)("%s: %s %s is a %i naming the field", async (_what, method, path, body, status, field) => {
    const r = await env.h.call(method, path, body === undefined ? {} : { body });
    expect(r.status).toBe(status);
    expect(r.headers.get("content-type")).toContain("application/problem+json");
    expect(r.body).toMatchObject({
      type: `https://berth.dev/problems/${status === 400 ? "bad-request" : "invalid-request"}`,
      status,
    });
    expect(r.body.errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it("refuses an Idempotency-Key that is too long with a 422 naming the header", async () => {
    const r = await env.h.call("POST", "/api/v1/teams", {
      body: { name: "speech" },
      headers: { "idempotency-key": "k".repeat(201) },
    });
    expect(r.status).toBe(422);
    expect(r.body.errors).toEqual([{ field: "Idempotency-Key", message: "at most 200 characters" }]);
  });
});
