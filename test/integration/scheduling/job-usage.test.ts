// A job's views say what it has cost so far and how often it was preempted: GPU-hours over all of
// its runs (a run still going counts up to now), and the number of runs that ended preempted.
import { describe, expect, it } from "vitest";
import type { ExecutorEvent } from "../../../src/services/ports.ts";
import { recordExecutorEvent } from "../../../src/services/scheduling/executor-events.ts";
import { runTick } from "../../../src/services/scheduling/tick.ts";
import { HOUR, T0, useHarness } from "../../support/api-harness.ts";
import { BACKENDS } from "../../support/database.ts";
import { recordingExecutor } from "../../support/recording-executor.ts";

const iso = (t: number) => new Date(t).toISOString();

describe.each(BACKENDS)("job GPU-hours and preemptions, on %s", (backend) => {
  const env = useHarness(backend, ["vision", "audio"]);

  it("counts every run's GPU-hours and each preemption, in GET /jobs/{id} and GET /jobs", async () => {
    const { h, tokens } = env;
    const { executor } = recordingExecutor();
    const tick = (t: number) => {
      h.setNow(t);
      return runTick({ ctx: h.ctx, noShowSeconds: 0, executor }, t);
    };
    const report = (e: ExecutorEvent) => recordExecutorEvent({ ctx: h.ctx }, e);
    const owner = await h.call("POST", "/api/v1/reservations", {
      token: tokens.vision,
      body: {
        pool: "V100",
        nodes: 2,
        gpusPerNode: 4,
        priority: "high",
        start: iso(T0 + 2 * HOUR),
        end: iso(T0 + 4 * HOUR),
      },
    });
    expect(owner.status).toBe(201);
    const job = await h.call("POST", "/api/v1/jobs", {
      token: tokens.audio,
      body: { kind: "external", pool: "V100", gpus: 4, priority: "low", spec: { image: "busybox:1.36" } },
    });
    const id = job.body.id as string;
    const read = async () => (await h.call("GET", `/api/v1/jobs/${id}`, { token: tokens.audio })).body;
    expect(await read()).toMatchObject({ gpuHours: 0, preemptions: 0 });

    // Borrows the reservation's idle GPUs from T0 and is reclaimed at its start (T0+2h).
    const first = await tick(T0);
    await report({ job: id, attempt: 1, type: "running", at: T0 });
    h.setNow(T0 + HOUR);
    expect(await read()).toMatchObject({ state: "running", gpuHours: 4, preemptions: 0 });
    await tick(first.nextWakeAt!);
    await report({ job: id, attempt: 1, type: "stopped", at: T0 + 2 * HOUR });
    h.setNow(T0 + 3 * HOUR);
    expect(await read()).toMatchObject({ state: "queued", attempts: 1, gpuHours: 8, preemptions: 1 });

    // Runs again once the window is over: one more hour on 4 GPUs by T0+5h.
    await tick(T0 + 4 * HOUR);
    await report({ job: id, attempt: 2, type: "running", at: T0 + 4 * HOUR });
    h.setNow(T0 + 5 * HOUR);
    expect(await read()).toMatchObject({ attempts: 2, gpuHours: 12, preemptions: 1 });
    const listed = (await h.call("GET", "/api/v1/jobs?team=audio", { token: tokens.vision })).body.items;
    expect(listed.find((j: { id: string }) => j.id === id)).toMatchObject({ gpuHours: 12, preemptions: 1 });
    h.setNow(T0);
  });
});
