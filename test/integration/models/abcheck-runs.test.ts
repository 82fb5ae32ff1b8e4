// A/B checks Berth runs: asking for one queues a one-GPU validate job (202), the loop launches it as
// `berth validate` in Berth's image on the pool asked for (else one of compute capability ≥ 7.0),
// and its end is judged by Berth from the summary the pod left: passed or failed on the numbers,
// error when the job failed or left no summary.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ExecutorEvent } from "../../../src/services/ports.ts";
import { recordExecutorEvent } from "../../../src/services/scheduling/executor-events.ts";
import { runTick } from "../../../src/services/scheduling/tick.ts";
import { type Harness, HOUR, startHarness, T0 } from "../../support/api-harness.ts";
import { BACKENDS } from "../../support/database.ts";
import { recordingExecutor } from "../../support/recording-executor.ts";

/** The compact summary `berth validate` writes to /dev/termination-log (src/services/models/ab-run.ts). */
const summary = (fp16: number, over: Record<string, unknown> = {}) =>
  JSON.stringify({
    passed: true,
    unlocksFp16: true,
    fp16Arithmetic: "gpu",
    provider: "cuda",
    images: 520,
    map5095: { fp32: 0.5, fp16 },
    delta: { map5095: (fp16 - 0.5) * 100, ci95: [-0.1, 0.1] },
    report: "/workspace/runs/vision/j/export/ab-report.json",
    ...over,
  });

describe.each(BACKENDS)("A/B checks run by Berth on %s", (backend) => {
  let h: Harness;
  let vision: string;
  let audio: string;
  let t = T0 + HOUR;
  beforeAll(async () => {
    h = await startHarness(backend, {
      pools: [
        { name: "P100", nodes: 1, gpusPerNode: 4, cc: "6.0" },
        { name: "T4", nodes: 1, gpusPerNode: 4, cc: "7.5" },
      ],
    });
    vision = await h.team("vision");
    audio = await h.team("audio");
  });
  afterAll(async () => h.close());

  const model = async (artifacts: object = { fp32: "m/fp32.onnx", fp16: "m/fp16.onnx" }) => {
    const r = await h.call("POST", "/api/v1/models", {
      token: vision,
      body: { name: "shapes", version: `v${t}`, artifacts },
    });
    t += 1000;
    return r.body.id as string;
  };

  /** Asks for a check, lets the loop launch its job, and reports the run's end. */
  async function run(end: Omit<ExecutorEvent, "job" | "attempt" | "at">, body: object = { data: "val" }) {
    const { executor, launches } = recordingExecutor();
    const id = await model();
    const asked = await h.call("POST", `/api/v1/models/${id}/abchecks`, { token: vision, body });
    expect(asked.status).toBe(202);
    expect(asked.body).toMatchObject({ state: "queued", model: id, job: expect.any(String) });
    t += HOUR;
    h.setNow(t);
    await runTick({ ctx: h.ctx, noShowSeconds: 0, executor }, t);
    const launch = launches.find((l) => l.job === asked.body.job)!;
    const report = (e: Omit<ExecutorEvent, "job" | "attempt">) =>
      recordExecutorEvent({ ctx: h.ctx }, { ...e, job: launch.job, attempt: launch.attempt });
    await report({ type: "running", at: t + 1000 });
    const running = await h.call("GET", `/api/v1/abchecks/${asked.body.id}`, { token: audio });
    expect(running.body.state).toBe("running");
    await report({ ...end, at: t + 60_000 });
    const done = await h.call("GET", `/api/v1/abchecks/${asked.body.id}`, { token: audio });
    return { id, launch, check: done.body };
  }

  it("queues a one-GPU validate job on a pool of compute capability 7.0 or more and judges its summary", async () => {
    const { launch, check } = await run({ type: "succeeded", result: summary(0.499) });
    expect(launch).toMatchObject({ kind: "validate", team: "vision" });
    expect(launch.placement.flatMap((p) => p.gpus)).toHaveLength(1);
    expect(launch.placement[0]!.node).toMatch(/^T4-/);
    expect(launch.run).toMatchObject({ image: "berth:latest", command: ["berth"] });
    expect(launch.run!.args!.slice(0, 7)).toEqual([
      "validate",
      "--model",
      "/workspace/m/fp32.onnx",
      "--model-fp16",
      "/workspace/m/fp16.onnx",
      "--data",
      "/workspace/val",
    ]);
    expect(check).toMatchObject({ state: "passed", pool: "T4", unlocksFp16: true, fp16Arithmetic: "gpu" });
  });

  it("judges the numbers, not the summary's verdict: a 1.5-point drop fails whatever it claims", async () => {
    const { check } = await run({ type: "succeeded", result: summary(0.485) });
    expect(check).toMatchObject({ state: "failed", unlocksFp16: false });
    expect(check.reasons.join("\n")).toMatch(/drops 1\.50 points/);
  });

  it("runs on the pool asked for, and never unlocks fp16 from a CPU run", async () => {
    const { launch, check } = await run(
      { type: "succeeded", result: summary(0.5, { provider: "cpu", fp16Arithmetic: "gpu" }) },
      { data: "val", pool: "P100" },
    );
    expect(launch.placement[0]!.node).toMatch(/^P100-/);
    expect(check).toMatchObject({
      state: "passed",
      pool: "P100",
      computeCapability: "6.0",
      unlocksFp16: false,
    });
  });

  it.each([
    ["the job failed", { type: "failed", message: "BackoffLimitExceeded" }, /failed: BackoffLimitExceeded/],
    ["the job left no summary", { type: "succeeded" }, /no summary/],
    ["the summary is not JSON", { type: "succeeded", result: "Killed" }, /not a JSON object/],
  ] as const)("records an error when %s", async (_n, end, reason) => {
    const { check } = await run(end);
    expect(check).toMatchObject({ state: "error", unlocksFp16: false });
    expect(check.reasons.join("\n")).toMatch(reason);
  });

  it("lets only the model's team or an admin ask, and needs an FP16 export", async () => {
    const id = await model();
    const other = await h.call("POST", `/api/v1/models/${id}/abchecks`, {
      token: audio,
      body: { data: "val" },
    });
    expect(other.status).toBe(403);
    const fp32Only = await model({ fp32: "m/only.onnx" });
    const r = await h.call("POST", `/api/v1/models/${fp32Only}/abchecks`, {
      token: vision,
      body: { data: "val" },
    });
    expect(r.status).toBe(422);
    expect((await h.call("GET", `/api/v1/abchecks?model=${id}`)).body.items).toEqual([]);
  });
});
