// A kubectl user's Job keeps the job rules a submitted job keeps (the validating webhook's check
// calls the same functions): no device variable, no envFrom it cannot see into, annotations from the
// allow-list, a priority class no higher than its reservation's or, on the queue, than the team was
// granted, and no more GPUs than the team's cap.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkKubectlJob } from "../../../src/services/admission/check-kubectl-job.ts";
import type { KubectlJobFacts } from "../../../src/services/ports.ts";
import { type Harness, startHarness } from "../../support/api-harness.ts";
import { cappedTeamWithReservation } from "../../support/capped-team.ts";

describe("the job rules on a kubectl Job", () => {
  let h: Harness;
  let reservation: string;
  beforeAll(async () => {
    h = await startHarness("pglite");
    ({ reservation } = await cappedTeamWithReservation(h));
  });
  afterAll(async () => h.close());

  const facts = (over: Partial<KubectlJobFacts>): KubectlJobFacts => ({
    operation: "CREATE",
    namespace: "vision",
    name: "mine",
    team: "vision",
    reservation,
    queue: null,
    pool: null,
    gpus: 1,
    suspend: true,
    oldSuspend: undefined,
    oldReservation: null,
    priorityClassName: null,
    envNames: [],
    envFrom: false,
    annotations: {},
    ...over,
  });

  it("admits a plain Job on the team's reservation", async () => {
    expect(await checkKubectlJob(h.ctx, facts({ envNames: ["MODE"], annotations: { owner: "ml" } }))).toEqual(
      [],
    );
  });

  it.each([
    [
      "a device variable",
      { envNames: ["NVIDIA_VISIBLE_DEVICES"] },
      /env NVIDIA_VISIBLE_DEVICES: selects GPUs/,
    ],
    ["envFrom", { envFrom: true }, /envFrom/],
    [
      "an annotation off the allow-list",
      { annotations: { "container.apparmor.security.beta.kubernetes.io/main": "unconfined" } },
      /annotation container\.apparmor\.security\.beta\.kubernetes\.io\/main: not on the allow-list/,
    ],
    ["a priority above the reservation's", { priorityClassName: "berth-high" }, /above its reservation's/],
    [
      "Berth's own annotation on the Job",
      { berthAnnotations: ["berth.dev/attempt"] },
      /annotation berth\.dev\/attempt on the Job is Berth's to set/,
    ],
    [
      "the label that marks Berth's own Jobs",
      { berthLabels: ["app.kubernetes.io/managed-by=berth"] },
      /label app\.kubernetes\.io\/managed-by=berth is Berth's to set/,
    ],
    [
      "a queued Job at a class the team was never granted",
      { reservation: null, queue: "default", pool: "V100", priorityClassName: "berth-critical" },
      /no critical GPU-hours/,
    ],
    [
      "a queued Job above the team's GPU cap",
      { reservation: null, queue: "default", pool: "V100", gpus: 4 },
      /cap of 2 GPUs/,
    ],
  ] as const)("refuses %s", async (_what, over, message) => {
    const refusals = await checkKubectlJob(h.ctx, facts(over));
    expect(refusals).toContainEqual(expect.stringMatching(message));
  });

  it("checks the variables and annotations of an update too (a suspended Job's template may change)", async () => {
    const refusals = await checkKubectlJob(
      h.ctx,
      facts({ operation: "UPDATE", oldReservation: reservation, envNames: ["CUDA_VISIBLE_DEVICES"] }),
    );
    expect(refusals).toContainEqual(expect.stringMatching(/CUDA_VISIBLE_DEVICES/));
  });
});
