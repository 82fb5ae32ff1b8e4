// Jobs keep the rules bookings obey (POST /jobs, checked at submission): a job on a reservation runs
// at most at the reservation's priority; a queued job at a class the team was granted and on no
// more GPUs than the team's cap. Admins are unbound, as they are for bookings. A refusal is a 422
// naming the field, and nothing is stored.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../../support/api-harness.ts";
import { cappedTeamWithReservation } from "../../support/capped-team.ts";
import { BACKENDS } from "../../support/database.ts";

describe.each(BACKENDS)("job priority and GPUs bounded at submission on %s", (backend) => {
  let h: Harness;
  let member: string;
  let reservation: string;
  beforeAll(async () => {
    h = await startHarness(backend);
    ({ member, reservation } = await cappedTeamWithReservation(h));
  });
  afterAll(async () => h.close());

  const job = (over: Record<string, unknown>) => ({
    kind: "external",
    pool: "V100",
    gpus: 1,
    spec: { image: "busybox:1.36" },
    ...over,
  });
  const jobCount = async () => (await h.call("GET", "/api/v1/jobs")).body.items.length;

  it.each([
    ["a critical queued job from a team never granted critical", { priority: "critical" }, "priority"],
    ["a queued job on more GPUs than the team's cap", { gpus: 4, priority: "low" }, "gpus"],
    [
      "a job above its reservation's priority",
      () => ({ reservation, gpus: 1, priority: "high" }),
      "priority",
    ],
  ] as const)("refuses %s (422), storing nothing", async (_what, over, field) => {
    const before = await jobCount();
    const r = await h.call("POST", "/api/v1/jobs", {
      token: member,
      body: job(typeof over === "function" ? over() : over),
    });
    expect(r.status, JSON.stringify(r.body)).toBe(422);
    expect(r.body.errors).toContainEqual(expect.objectContaining({ field }));
    expect(await jobCount()).toBe(before);
  });

  it("refuses a 16-GPU critical queued job on both counts", async () => {
    const r = await h.call("POST", "/api/v1/jobs", {
      token: member,
      body: job({ priority: "critical", gpus: 8 }),
    });
    expect(r.status).toBe(422);
    expect(r.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(["gpus", "priority"]);
  });

  it("accepts a job at or below its reservation's priority, and a queued job within the grant and cap", async () => {
    for (const body of [
      job({ reservation, gpus: 2 }),
      job({ reservation, priority: "low" }),
      job({ priority: "high", gpus: 2 }),
    ]) {
      const r = await h.call("POST", "/api/v1/jobs", { token: member, body });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
    }
  });

  it("lets an admin submit any priority and shape for a team, as for bookings", async () => {
    const r = await h.call("POST", "/api/v1/jobs", {
      body: job({ team: "vision", priority: "critical", gpus: 8 }),
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
  });

  it("grants critical to queued jobs once an admin gives it GPU-hours", async () => {
    await h.call("PUT", "/api/v1/teams/vision/quotas", { body: { critical: 10, maxGpus: 2 } });
    const r = await h.call("POST", "/api/v1/jobs", { token: member, body: job({ priority: "critical" }) });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
  });
});
