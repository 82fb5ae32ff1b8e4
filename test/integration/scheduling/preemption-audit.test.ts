// A preemption's audit entry says how much work it throws away: the GPU-hours the stopped run did
// since it started (Berth records no checkpoint times of running jobs) until its GPUs are free.
// Through the real HTTP API and database; the cluster is the recording executor (no GPUs here).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTick } from "../../../src/services/scheduling/tick.ts";
import { type Harness, HOUR, startHarness, T0 } from "../../support/api-harness.ts";
import { BACKENDS } from "../../support/database.ts";
import { recordingExecutor } from "../../support/recording-executor.ts";

describe.each(BACKENDS)("lost GPU-hours of a preemption on %s", (backend) => {
  let h: Harness;
  let vision: string;
  beforeAll(async () => {
    h = await startHarness(backend);
    vision = await h.team("vision");
  });
  afterAll(async () => h.close());

  it("records the work since the run started, up to the end of its grace, in the signal's audit entry", async () => {
    const { executor } = recordingExecutor();
    const tick = (t: number) => {
      h.setNow(t);
      return runTick({ ctx: h.ctx, noShowSeconds: 0, executor }, t);
    };
    const submit = async (gpus: number, priority: string) =>
      (
        await h.call("POST", "/api/v1/jobs", {
          token: vision,
          body: { kind: "external", pool: "V100", gpus, priority, spec: { image: "busybox:1.36" } },
        })
      ).body.id as string;
    const low = await submit(4, "low");
    await tick(T0);
    // An hour later, a high-priority job needs the whole pool (2 nodes x 4 GPUs).
    h.setNow(T0 + HOUR);
    await submit(8, "high");
    await tick(T0 + HOUR);
    const audit = await h.call("GET", `/api/v1/audit?job=${low}`);
    expect(audit.status).toBe(200);
    const signal = audit.body.items.find((e: { action: string }) => e.action === "signal");
    // 4 GPUs from T0 to the end of the default 30 s grace after T0 + 1 h.
    expect(signal).toMatchObject({ job: low, reason: "priority", team: "vision" });
    expect(signal.lostGpuHours).toBeCloseTo((4 * (HOUR + 30_000)) / HOUR, 9);
  });
});
