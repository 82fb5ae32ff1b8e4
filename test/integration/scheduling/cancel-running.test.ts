// Cancelling a running job is an intent like the others: its GPUs stay taken until the executor
// says it has stopped, and a crash between the cancel and the stop sends the stop again.
import { describe, expect, it } from "vitest";
import type { Executor } from "../../../src/services/ports.ts";
import { recordExecutorEvent } from "../../../src/services/scheduling/executor-events.ts";
import { runTick } from "../../../src/services/scheduling/tick.ts";
import { T0, useHarness } from "../../support/api-harness.ts";
import { BACKENDS } from "../../support/database.ts";
import { recordingExecutor } from "../../support/recording-executor.ts";

describe.each(BACKENDS)("cancelling a running job on %s", (backend) => {
  const env = useHarness(backend, ["vision", "audio"]);

  it("keeps its GPUs taken until it has stopped, and sends the stop again after a crash", async () => {
    const {
      h,
      tokens: { vision, audio },
    } = env;
    const { executor, launches, stops } = recordingExecutor();
    const deps = { ctx: h.ctx, noShowSeconds: 0, executor };
    const submit = async (token: string, gpus: number) =>
      (
        await h.call("POST", "/api/v1/jobs", {
          token,
          body: { kind: "external", pool: "V100", gpus, priority: "normal", spec: { image: "busybox" } },
        })
      ).body.id as string;
    const whole = await submit(audio, 8);
    await runTick(deps, T0);
    await recordExecutorEvent({ ctx: h.ctx }, { job: whole, attempt: 1, type: "running", at: T0 });
    expect((await h.call("DELETE", `/api/v1/jobs/${whole}`, { token: audio })).status).toBe(200);
    const next = await submit(vision, 4);

    // The process dies while telling the cluster to stop the run.
    const crashing: Executor = { ...executor, stop: async () => Promise.reject(new Error("crashed")) };
    await runTick({ ...deps, executor: crashing }, T0 + 1_000).catch(() => {});
    expect(launches.map((l) => l.job)).toEqual([whole]);
    // The next tick sends the stop again; the cancelled run's GPUs are still taken meanwhile.
    await runTick(deps, T0 + 2_000);
    expect(stops.map((s) => s.job)).toEqual([whole]);
    expect(launches.map((l) => l.job)).toEqual([whole]);
    expect((await h.call("GET", `/api/v1/jobs/${whole}`)).body.state).toBe("cancelled");

    // Once the run has stopped, its GPUs are free.
    await recordExecutorEvent({ ctx: h.ctx }, { job: whole, attempt: 1, type: "stopped", at: T0 + 3_000 });
    await runTick(deps, T0 + 4_000);
    expect(launches.map((l) => l.job)).toEqual([whole, next]);
    expect(stops.map((s) => s.job)).toEqual([whole]);
    expect((await h.call("GET", `/api/v1/jobs/${whole}`)).body).toMatchObject({
      state: "cancelled",
      placement: null,
    });
  });
});
