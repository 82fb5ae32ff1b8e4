import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Executor, ExecutorEvent } from "../../../src/services/ports.ts";
import { recordExecutorEvent } from "../../../src/services/scheduling/executor-events.ts";
import { runTick } from "../../../src/services/scheduling/tick.ts";
import { type Harness, HOUR, startHarness, T0 } from "../../support/api-harness.ts";
import { BACKENDS } from "../../support/database.ts";
import { recordingExecutor } from "../../support/recording-executor.ts";

const iso = (t: number) => new Date(t).toISOString();

describe.each(BACKENDS)("the scheduling loop on %s", (backend) => {
  let h: Harness;
  let vision: string;
  let audio: string;
  beforeAll(async () => {
    h = await startHarness(backend);
    vision = await h.team("vision");
    audio = await h.team("audio");
  });
  afterAll(async () => h.close());

  it("admits a reservation's job at its start, lends idle GPUs meanwhile, reclaims them, and accounts usage", async () => {
    const { executor, launches, stops } = recordingExecutor();
    const deps = { ctx: h.ctx, noShowSeconds: 0, executor };
    // The API reads the same clock the ticks are run at.
    const tick = (t: number) => {
      h.setNow(t);
      return runTick(deps, t);
    };
    const report = (e: ExecutorEvent) => recordExecutorEvent({ ctx: h.ctx }, e);
    // vision holds the whole pool (8 GPUs) from T0+2h to T0+4h.
    const r = await h.call("POST", "/api/v1/reservations", {
      token: vision,
      body: {
        pool: "V100",
        nodes: 2,
        gpusPerNode: 4,
        priority: "high",
        start: iso(T0 + 2 * HOUR),
        end: iso(T0 + 4 * HOUR),
      },
    });
    expect(r.status).toBe(201);
    const own = await h.call("POST", "/api/v1/jobs", {
      token: vision,
      body: {
        kind: "external",
        pool: "V100",
        gpus: 8,
        reservation: r.body.id,
        spec: { image: "busybox:1.36" },
      },
    });
    const borrower = await h.call("POST", "/api/v1/jobs", {
      token: audio,
      body: { kind: "external", pool: "V100", gpus: 4, priority: "low", spec: { image: "busybox:1.36" } },
    });

    // Before the window: the opportunistic job borrows idle GPUs.
    const t1 = await tick(T0);
    expect(launches.map((l) => l.job)).toEqual([borrower.body.id]);
    expect(t1.nextWakeAt).not.toBeNull();
    await report({ job: borrower.body.id, attempt: 1, type: "running", at: T0 });
    expect((await h.call("GET", `/api/v1/jobs/${borrower.body.id}`)).body.state).toBe("running");

    // A grace period before the start, the borrower is told to stop by the start.
    const signalAt = t1.nextWakeAt!;
    expect(signalAt).toBeLessThanOrEqual(T0 + 2 * HOUR);
    await tick(signalAt);
    expect(stops).toEqual([{ job: borrower.body.id, attempt: 1, stopAt: T0 + 2 * HOUR }]);
    await report({ job: borrower.body.id, attempt: 1, type: "stopped", at: T0 + 2 * HOUR });
    const requeued = (await h.call("GET", `/api/v1/jobs/${borrower.body.id}`)).body;
    expect(requeued).toMatchObject({ state: "queued", attempts: 1 });

    // At the start, the owner's job is admitted on the reservation's slots.
    await tick(T0 + 2 * HOUR);
    expect(launches.map((l) => l.job)).toEqual([borrower.body.id, own.body.id]);
    const ownJob = (await h.call("GET", `/api/v1/jobs/${own.body.id}`)).body;
    expect(ownJob).toMatchObject({ state: "admitted", attempts: 1 });
    expect((await h.call("GET", `/api/v1/reservations/${r.body.id}`)).body.state).toBe("active");
    await report({ job: own.body.id, attempt: 1, type: "running", at: T0 + 2 * HOUR });
    await report({ job: own.body.id, attempt: 1, type: "succeeded", at: T0 + 3 * HOUR });
    expect((await h.call("GET", `/api/v1/jobs/${own.body.id}`)).body.state).toBe("succeeded");
    const usage = await h.ctx.db
      .selectFrom("usage")
      .selectAll()
      .where("reservation_id", "=", r.body.id)
      .executeTakeFirstOrThrow();
    expect(usage).toMatchObject({ gpu_seconds_booked: 8 * 2 * 3600, gpu_seconds_used: 8 * 3600 });

    // Every admit and signal was persisted as an intent and confirmed after the executor was told.
    const pending = await h.ctx.db
      .selectFrom("decisions")
      .select("id")
      .where("state", "=", "intent")
      .execute();
    expect(pending).toEqual([]);
    h.setNow(T0);
  });

  it("re-applies an intent a crash left unconfirmed, launching the same attempt again", async () => {
    const { executor, launches } = recordingExecutor();
    const job = await h.call("POST", "/api/v1/jobs", {
      token: audio,
      body: {
        kind: "validate",
        pool: "V100",
        gpus: 1,
        priority: "normal",
        spec: { fp32: "m/fp32.onnx", fp16: "m/fp16.onnx", data: "val" },
      },
    });
    // A cycle whose executor call is lost after the intent was persisted (the crash point, or a
    // cluster that did not answer): the intent stays pending and the tick goes on.
    const failing: Executor = { ...executor, launch: async () => Promise.reject(new Error("crashed")) };
    await runTick({ ctx: h.ctx, noShowSeconds: 0, executor: failing }, T0 + 5 * HOUR);
    await runTick({ ctx: h.ctx, noShowSeconds: 0, executor }, T0 + 5 * HOUR);
    const mine = launches.filter((l) => l.job === job.body.id);
    expect(mine.map((l) => l.attempt)).toEqual([1]);
    expect((await h.call("GET", `/api/v1/jobs/${job.body.id}`)).body).toMatchObject({
      state: "admitted",
      attempts: 1,
    });
  });

  it("takes a node out for a maintenance window: future bookings on it displaced, nobody books over it, jobs on it stopped", async () => {
    const { executor, stops } = recordingExecutor();
    const w = { start: iso(T0 + 30 * HOUR), end: iso(T0 + 32 * HOUR) };
    const victim = await h.call("POST", "/api/v1/reservations", {
      token: vision,
      body: { pool: "V100", nodes: 2, gpusPerNode: 4, priority: "high", ...w },
    });
    expect(victim.status).toBe(201);
    const node = victim.body.placement[0].node as string;
    expect(
      (await h.call("POST", "/api/v1/maintenance", { token: vision, body: { node, ...w } })).status,
    ).toBe(403);
    const m = await h.call("POST", "/api/v1/maintenance", { body: { node, ...w, reason: "firmware" } });
    expect(m.status).toBe(201);
    expect(m.body).toMatchObject({ kind: "maintenance", displaced: [victim.body.id] });
    expect((await h.call("GET", `/api/v1/reservations/${victim.body.id}`)).body.state).toBe("displaced");
    const over = await h.call("POST", "/api/v1/reservations", {
      token: vision,
      body: { pool: "V100", nodes: 2, gpusPerNode: 4, priority: "high", ...w },
    });
    expect(over.status).toBe(409);

    // A job running on that node when the window starts is stopped (the node counts as lost).
    const leftovers = (await h.call("GET", "/api/v1/jobs?limit=500")).body.items.filter(
      (j: { state: string; attempts: number }) => !["succeeded", "failed", "cancelled"].includes(j.state),
    );
    // Cancelled runs hold their GPUs until they have stopped: the cluster reports that here.
    for (const j of leftovers) {
      await h.call("DELETE", `/api/v1/jobs/${j.id}`);
      if (j.attempts > 0)
        await recordExecutorEvent(
          { ctx: h.ctx },
          { job: j.id, attempt: j.attempts, type: "stopped", at: T0 },
        );
    }
    const job = await h.call("POST", "/api/v1/jobs", {
      token: audio,
      body: { kind: "external", pool: "V100", gpus: 8, priority: "low", spec: { image: "busybox:1.36" } },
    });
    const deps = { ctx: h.ctx, noShowSeconds: 0, executor };
    h.setNow(T0 + 29 * HOUR);
    await runTick(deps, T0 + 29 * HOUR);
    const admitted = (await h.call("GET", `/api/v1/jobs/${job.body.id}`)).body;
    expect(admitted.state).toBe("admitted");
    expect(admitted.placement.map((p: { node: string }) => p.node)).toContain(node);
    h.setNow(T0 + 30 * HOUR);
    await runTick(deps, T0 + 30 * HOUR);
    expect(stops.map((x) => x.job)).toContain(job.body.id);
    h.setNow(T0);
  });
});

describe.each(BACKENDS)("a train job's follow-up on %s", (backend) => {
  let h: Harness;
  let vision: string;
  beforeAll(async () => {
    h = await startHarness(backend);
    vision = await h.team("vision");
  });
  afterAll(async () => h.close());

  it("registers a finished train job's exports as a model version and queues its A/B check once when asked", async () => {
    const { executor, launches } = recordingExecutor();
    const deps = { ctx: h.ctx, noShowSeconds: 0, executor };
    const report = (e: ExecutorEvent) => recordExecutorEvent({ ctx: h.ctx }, e);
    const submit = (spec: Record<string, unknown>) =>
      h.call("POST", "/api/v1/jobs", {
        token: vision,
        body: { kind: "train", pool: "V100", gpus: 1, priority: "high", spec },
      });
    const train = {
      image: "ultralytics/ultralytics:8.4.190",
      model: "yolov8n.yaml",
      data: "data/shapes.yaml",
      epochs: 3,
    };
    const asking = await submit({ ...train, validate: true, validationData: "data/val" });
    const plain = await submit(train);
    const t = T0 + 30 * HOUR;
    h.setNow(t);
    await runTick(deps, t);
    for (const id of [asking.body.id, plain.body.id]) {
      expect(launches.map((l) => l.job)).toContain(id);
      await report({ job: id, attempt: 1, type: "running", at: t + 1_000 });
      await report({ job: id, attempt: 1, type: "succeeded", at: t + 60_000 });
    }
    // A repeated report changes nothing (and queues nothing twice).
    await report({ job: asking.body.id, attempt: 1, type: "succeeded", at: t + 60_000 });

    const follow = await h.call("GET", `/api/v1/jobs/${asking.body.id}-ab`);
    expect(follow.status).toBe(200);
    expect(follow.body).toMatchObject({
      kind: "validate",
      team: "vision",
      pool: "V100",
      gpus: 1,
      state: "queued",
    });
    expect(follow.body.spec).toEqual({
      data: "data/val",
      fp32: `runs/vision/${asking.body.id}/export/best-fp32.onnx`,
      fp16: `runs/vision/${asking.body.id}/export/best-fp16.onnx`,
    });
    expect((await h.call("GET", `/api/v1/jobs/${plain.body.id}-ab`)).status).toBe(404);

    // Each training registered its exports as a model version; the one that asked has its check queued.
    const models = (await h.call("GET", "/api/v1/models?team=vision")).body.items;
    const of = (job: string) => models.find((m: { version: string }) => m.version === job);
    for (const job of [asking.body.id, plain.body.id]) {
      expect(of(job)).toMatchObject({
        name: "yolov8n",
        state: "candidate",
        trainedBy: job,
        trainingPool: "V100",
        artifacts: {
          fp32: `runs/vision/${job}/export/best-fp32.onnx`,
          fp16: `runs/vision/${job}/export/best-fp16.onnx`,
        },
      });
    }
    const checks = async (job: string) =>
      (await h.call("GET", `/api/v1/abchecks?model=${of(job).id}`)).body.items;
    expect(await checks(asking.body.id)).toEqual([
      expect.objectContaining({
        state: "queued",
        pool: "V100",
        job: `${asking.body.id}-ab`,
        data: "data/val",
      }),
    ]);
    expect(await checks(plain.body.id)).toEqual([]);
  });
});
