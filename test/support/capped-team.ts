// A team "vision" with a cap of 2 GPUs at once (critical left at its default 0) and a normal
// 2-GPU booking: where the job-rule tests start from.
import { expect } from "vitest";
import type { Harness } from "./api-harness.ts";
import { bookingBody } from "./booking-body.ts";

export async function cappedTeamWithReservation(
  h: Harness,
): Promise<{ member: string; reservation: string }> {
  const member = await h.team("vision");
  expect((await h.call("PUT", "/api/v1/teams/vision/quotas", { body: { maxGpus: 2 } })).status).toBe(200);
  const r = await h.call("POST", "/api/v1/reservations", {
    token: member,
    body: bookingBody({ nodes: 1, gpusPerNode: 2, priority: "normal" }),
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return { member, reservation: r.body.id };
}
