// Promotion through the API on real PostgreSQL and PGlite: registering a model version, an admin
// importing `berth validate` reports that Berth judges itself, and the mixed-precision rules
// deciding what a promotion or a precision switch may deploy. The passing GPU report is scored here
// from the committed H200 predictions (test/fixtures/yolo/gpu/), so fp16 is unlocked by real GPU
// evidence; the failing one drops mAP50-95 by 1.2 points.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_GATE, runAbCheck } from "../../../src/abcheck/ab-verdict.ts";
import { parseDetections, parseGroundTruth } from "../../../src/abcheck/coco-input.ts";
import { type Harness, startHarness } from "../../support/api-harness.ts";
import { BACKENDS } from "../../support/database.ts";

const FIXTURES = join(import.meta.dirname, "../../fixtures/yolo");
const REFUSED = "https://berth.dev/problems/promotion-refused";

/** A report shaped as `berth validate` writes it (docs/rules.md §6), from the committed GPU predictions. */
function gpuReport() {
  const gt = parseGroundTruth(JSON.parse(readFileSync(join(FIXTURES, "val/annotations.json"), "utf8")));
  const load = (name: string) =>
    parseDetections(JSON.parse(gunzipSync(readFileSync(join(FIXTURES, "gpu", name))).toString("utf8")), gt);
  const { fp32Metrics, fp16Metrics, verdict } = runAbCheck(
    gt,
    load("gpu-fp32-predictions.json.gz"),
    load("gpu-fp16-predictions.json.gz"),
    "gpu",
    { ...DEFAULT_GATE, bootstrapSamples: 50 },
  );
  const side = (m: typeof fp32Metrics, model: string) => ({
    model,
    map5095: m.map5095,
    map50: m.map50,
    apSmall: m.apSmall,
    recall: m.recall,
    imagesPerSecond: 120,
    peakMemoryMB: 900,
  });
  return {
    images: gt.imageIds.length,
    provider: "cuda",
    fp32: side(fp32Metrics, "best-fp32.onnx"),
    fp16: side(fp16Metrics, "best-fp16.onnx"),
    delta: verdict.delta,
    deltaUnit: "mAP points, fp16 - fp32 (negative = drop)",
    passed: verdict.passed,
    reasons: verdict.reasons,
    fp16Arithmetic: verdict.fp16Arithmetic,
    unlocksFp16: verdict.unlocksFp16,
  };
}

type Report = ReturnType<typeof gpuReport>;

describe.each(BACKENDS)("model promotion on %s", (backend) => {
  let h: Harness;
  let vision: string;
  let audio: string;
  let passedGpu: Report;
  let cpuOnly: Report;
  let failedGpu: Report;
  let seq = 0;

  beforeAll(async () => {
    // Scored before the server starts: the scoring takes seconds, and a keep-alive connection left
    // idle that long is closed by the server under the client's next request (ECONNRESET).
    passedGpu = gpuReport();
    h = await startHarness(backend, {
      pools: [
        { name: "V100", nodes: 1, gpusPerNode: 4, cc: "7.0" },
        { name: "P100", nodes: 1, gpusPerNode: 4, cc: "6.0" },
      ],
    });
    vision = await h.team("vision");
    audio = await h.team("audio");
    expect(passedGpu.passed).toBe(true);
    // The same numbers measured on the CPU provider: a pass that only measures rounding.
    cpuOnly = { ...passedGpu, provider: "cpu", fp16Arithmetic: "emulated-on-cpu", unlocksFp16: false };
    // The verdict a report carries is ignored: these numbers fail the gate whatever it says.
    failedGpu = {
      ...passedGpu,
      fp16: { ...passedGpu.fp16, map5095: passedGpu.fp32.map5095 - 0.012 },
      delta: { ...passedGpu.delta, map5095: -1.2 },
    };
  });
  afterAll(async () => h.close());

  /** A fresh model version of team vision, registered by its member. */
  async function model(): Promise<string> {
    const r = await h.call("POST", "/api/v1/models", {
      token: vision,
      body: {
        name: "shapes",
        version: `v${++seq}`,
        artifacts: { fp32: "/m/fp32.onnx", fp16: "/m/fp16.onnx" },
      },
    });
    expect(r.status).toBe(201);
    return r.body.id as string;
  }
  /** An admin imports a report run on V100 (CC 7.0); Berth judges it. */
  const check = (id: string, report: object, token?: string) =>
    h.call("POST", `/api/v1/models/${id}/abchecks`, {
      ...(token ? { token } : {}),
      body: { report, pool: "V100" },
    });
  const promote = (id: string, body: object, token: string = vision) =>
    h.call("POST", `/api/v1/models/${id}/promote`, { token, body });
  const precision = (id: string, p: string, token: string = vision) =>
    h.call("PUT", `/api/v1/models/${id}/precision`, { token, body: { precision: p } });
  const events = (type: string, modelId: string) =>
    h.db.handle.db
      .selectFrom("events")
      .selectAll()
      .where("type", "=", type)
      .execute()
      .then((rows) => rows.filter((e) => e.data.model === modelId));
  /** Everything a refused or malformed request must leave as it was. */
  const snapshot = async (id: string) => ({
    model: (await h.call("GET", `/api/v1/models/${id}`)).body,
    events: (await h.db.handle.db.selectFrom("events").select("id").execute()).length,
    audit: (await h.db.handle.db.selectFrom("audit_log").select("id").execute()).length,
  });

  it("registers a model version for the member's own team as a candidate with its artifacts", async () => {
    const r = await h.call("POST", "/api/v1/models", {
      token: vision,
      body: { name: "detector", version: "1.0", artifacts: { fp32: "/m/a.onnx", fp16: "/m/a-fp16.onnx" } },
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      team: "vision",
      name: "detector",
      version: "1.0",
      state: "candidate",
      inference: null,
      artifacts: { fp32: "/m/a.onnx", fp16: "/m/a-fp16.onnx" },
    });
    const again = await h.call("POST", "/api/v1/models", {
      token: vision,
      body: { name: "detector", version: "1.0", artifacts: { fp32: "/m/b.onnx" } },
    });
    expect(again.status).toBe(409);
  });

  it("asks an admin to name the owning team (422), and refuses an unknown one", async () => {
    for (const team of [undefined, "nope"]) {
      const r = await h.call("POST", "/api/v1/models", {
        body: { ...(team ? { team } : {}), name: "x", version: "1", artifacts: { fp32: "/x" } },
      });
      expect(r.status).toBe(422);
      expect(r.body.errors).toEqual([expect.objectContaining({ field: "team" })]);
    }
  });

  it("forbids registering a model for another team (403)", async () => {
    const r = await h.call("POST", "/api/v1/models", {
      token: audio,
      body: { team: "vision", name: "x", version: "1", artifacts: { fp32: "/x.onnx" } },
    });
    expect(r.status).toBe(403);
  });

  it.each([
    ["no artifacts", { name: "x", version: "1" }, 400, "artifacts"],
    [
      "an unknown field",
      { name: "x", version: "1", artifacts: { fp32: "/x" }, colour: "red" },
      400,
      "colour",
    ],
    // Well-formed, a value out of its range: 422 (docs/rules.md §4).
    ["an empty name", { name: "", version: "1", artifacts: { fp32: "/x" } }, 422, "name"],
    ["a NUL in a path", { name: "x", version: "1", artifacts: { fp32: "/x\u0000" } }, 400, "artifacts"],
  ])(
    "refuses a registration with %s (%i naming the field, nothing stored)",
    async (_n, body, status, field) => {
      const before = (await h.call("GET", "/api/v1/models")).body.items.length;
      const r = await h.call("POST", "/api/v1/models", { token: vision, body });
      expect(r.status).toBe(status);
      expect(r.headers.get("content-type")).toContain("application/problem+json");
      expect(r.body.errors.map((e: { field: string }) => e.field)).toContain(field);
      expect((await h.call("GET", "/api/v1/models")).body.items.length).toBe(before);
    },
  );

  it("records a GPU A/B report, emits abcheck.completed, and promotes to fp16 on a CC 7.0 pool", async () => {
    const id = await model();
    const c = await check(id, passedGpu);
    expect(c.status).toBe(201);
    expect(c.body).toMatchObject({
      model: id,
      state: "passed",
      pool: "V100",
      unlocksFp16: true,
      report: { provider: "cuda", tensorrt: false },
    });
    expect((await events("abcheck.completed", id)).map((e) => e.data)).toEqual([
      expect.objectContaining({ check: c.body.id, passed: true, fp16Arithmetic: "gpu", unlocksFp16: true }),
    ]);

    const p = await promote(id, { precision: "fp16", batchSize: 8, useTensorrt: false, pool: "V100" });
    expect(p.status).toBe(200);
    expect(p.body).toMatchObject({
      state: "promoted",
      inference: { precision: "fp16", batch_size: 8, use_tensorrt: false },
      servingPool: "V100",
    });
    expect((await h.call("GET", `/api/v1/models/${id}`)).body).toMatchObject({
      state: "promoted",
      servingPool: "V100",
      inference: { precision: "fp16", batch_size: 8, use_tensorrt: false },
    });
    expect((await events("model.promoted", id)).map((e) => e.data)).toEqual([
      expect.objectContaining({ inference: { precision: "fp16", batch_size: 8, use_tensorrt: false } }),
    ]);
    const audit = await h.db.handle.db
      .selectFrom("audit_log")
      .selectAll()
      .where("action", "=", "model.promoted")
      .execute();
    expect(audit.filter((a) => a.detail.model === id)).toEqual([
      expect.objectContaining({ actor: "vision-member", team: "vision" }),
    ]);
  });

  it.each([
    [
      "a CPU-only check never unlocks fp16",
      () => cpuOnly,
      { precision: "fp16", batchSize: 4, useTensorrt: false, pool: "V100" },
      /CPU provider/,
    ],
    [
      "a failed GPU check does not unlock fp16",
      () => failedGpu,
      { precision: "fp16", batchSize: 4, useTensorrt: false, pool: "V100" },
      /failed/,
    ],
    [
      "int8 is refused until an INT8 check exists",
      () => passedGpu,
      { precision: "int8", batchSize: 4, useTensorrt: false, pool: "V100" },
      /int8/,
    ],
    [
      "a CC 6.0 pool recommends fp32 with the reason",
      () => passedGpu,
      { precision: "fp16", batchSize: 4, useTensorrt: false, pool: "P100" },
      /compute capability 6\.0/,
    ],
    [
      "TensorRT needs a TensorRT check of its own",
      () => passedGpu,
      { precision: "fp16", batchSize: 4, useTensorrt: true, pool: "V100" },
      /TensorRT/,
    ],
  ])(
    "refuses a promotion: %s (409 promotion-refused, fp32 recommended, nothing changes)",
    async (_n, report, body, reason) => {
      const id = await model();
      expect((await check(id, report())).status).toBe(201);
      const before = await snapshot(id);
      const r = await promote(id, body);
      expect(r.status).toBe(409);
      expect(r.headers.get("content-type")).toContain("application/problem+json");
      expect(r.body).toMatchObject({
        type: REFUSED,
        status: 409,
        recommended: { precision: "fp32", batch_size: 4, use_tensorrt: false },
      });
      expect(r.body.reason).toMatch(reason);
      expect(await snapshot(id)).toEqual(before);
    },
  );

  it("refuses fp16 when no A/B check ran at all", async () => {
    const id = await model();
    const r = await promote(id, { precision: "fp16", batchSize: 1, useTensorrt: false, pool: "V100" });
    expect(r.status).toBe(409);
    expect(r.body.reason).toMatch(/none ran/);
  });

  it("allows fp32 always: no check, a CPU-only check, or a CC 6.0 pool", async () => {
    const none = await model();
    const cpu = await model();
    await check(cpu, cpuOnly);
    for (const [id, pool] of [
      [none, "P100"],
      [cpu, "V100"],
    ] as const) {
      const r = await promote(id, { precision: "fp32", batchSize: 16, useTensorrt: false, pool });
      expect(r.status).toBe(200);
      expect(r.body.inference).toEqual({ precision: "fp32", batch_size: 16, use_tensorrt: false });
    }
  });

  it("enables TensorRT after a TensorRT run of the check", async () => {
    const id = await model();
    expect((await check(id, { ...passedGpu, provider: "tensorrt" })).body.report.tensorrt).toBe(true);
    const r = await promote(id, { precision: "fp16", batchSize: 8, useTensorrt: true, pool: "V100" });
    expect(r.status).toBe(200);
    expect(r.body.inference).toEqual({ precision: "fp16", batch_size: 8, use_tensorrt: true });
  });

  it("never takes a verdict from a member: a forged passing report is refused and changes nothing", async () => {
    const id = await model();
    const before = await snapshot(id);
    const imported = await check(id, { ...passedGpu, passed: true }, vision);
    expect(imported.status).toBe(403);
    // The old shape, a report posted as the body, is not a request Berth knows any more.
    const raw = await h.call("POST", `/api/v1/models/${id}/abchecks`, { token: vision, body: passedGpu });
    expect(raw.status).toBe(400);
    expect(await snapshot(id)).toEqual(before);
    const p = await promote(id, { precision: "fp16", batchSize: 1, pool: "V100" });
    expect(p.status).toBe(409);
  });

  it("judges a report's numbers itself: a failing report that claims to pass fails", async () => {
    const id = await model();
    const c = await check(id, { ...failedGpu, passed: true, unlocksFp16: true });
    expect(c.body).toMatchObject({ state: "failed", passed: false, unlocksFp16: false });
    expect(c.body.reasons.join("\n")).toMatch(/drops 1\.20 points/);
  });

  it("refuses fp16 and int8 without a serving pool instead of assuming a compute capability", async () => {
    const id = await model();
    await check(id, passedGpu);
    for (const precision of ["fp16", "int8"]) {
      const r = await promote(id, { precision, batchSize: 2 });
      expect(r.status).toBe(409);
      expect(r.body.reasons).toEqual([expect.stringMatching(new RegExp(`${precision}`))]);
      expect(r.body.recommended).toEqual({ precision: "fp32", batch_size: 2, use_tensorrt: false });
    }
  });

  it("gives the deploy block per pool: promoted where valid, recommended elsewhere", async () => {
    const id = await model();
    await check(id, passedGpu);
    const config = async (pool: string) =>
      (await h.call("GET", `/api/v1/models/${id}/inference-config?pool=${pool}`, { token: audio })).body;
    expect(await config("V100")).toMatchObject({
      inference: { precision: "fp16", batch_size: 1, use_tensorrt: false },
    });
    expect((await promote(id, { precision: "fp16", batchSize: 8, pool: "V100" })).status).toBe(200);
    expect(await config("V100")).toMatchObject({
      inference: { precision: "fp16", batch_size: 8, use_tensorrt: false },
    });
    expect(await config("P100")).toMatchObject({
      inference: { precision: "fp32", batch_size: 8, use_tensorrt: false },
    });
  });

  it("judges a promotion by the latest check: a later failed check locks fp16 again", async () => {
    const id = await model();
    await check(id, passedGpu);
    await check(id, failedGpu);
    const r = await promote(id, { precision: "fp16", batchSize: 8, useTensorrt: false, pool: "V100" });
    expect(r.status).toBe(409);
    expect(r.body.reason).toMatch(/failed/);
  });

  it("switches back to fp32 always, and to fp16 only while a passed GPU check stands", async () => {
    const id = await model();
    await check(id, passedGpu);
    expect(
      (await promote(id, { precision: "fp16", batchSize: 8, useTensorrt: false, pool: "V100" })).status,
    ).toBe(200);
    // The deployment misbehaves and a re-run of the check fails: degrading still works.
    await check(id, failedGpu);
    const down = await precision(id, "fp32");
    expect(down.status).toBe(200);
    expect(down.body.inference).toEqual({ precision: "fp32", batch_size: 8, use_tensorrt: false });
    const before = await snapshot(id);
    const up = await precision(id, "fp16");
    expect(up.status).toBe(409);
    expect(up.body.type).toBe(REFUSED);
    expect(await snapshot(id)).toEqual(before);
    await check(id, passedGpu);
    const again = await precision(id, "fp16");
    expect(again.status).toBe(200);
    expect(again.body.inference).toEqual({ precision: "fp16", batch_size: 8, use_tensorrt: false });
    expect((await events("model.promoted", id)).map((e) => e.data.change)).toEqual([
      "promotion",
      "precision",
      "precision",
    ]);
  });

  it("queues the events for the owning team's webhooks subscribed to them", async () => {
    const hook = await h.call("POST", "/api/v1/webhooks", {
      token: vision,
      body: { url: "https://hooks.example.com/berth", events: ["abcheck.completed", "model.promoted"] },
    });
    expect(hook.status).toBe(201);
    const id = await model();
    await check(id, passedGpu);
    await promote(id, { precision: "fp16", batchSize: 8, useTensorrt: false, pool: "V100" });
    const queued = await h.db.handle.db
      .selectFrom("webhook_deliveries")
      .innerJoin("events", "events.id", "webhook_deliveries.event_id")
      .select(["events.type", "events.data"])
      .where("webhook_id", "=", hook.body.id)
      .orderBy("events.id")
      .execute();
    expect(queued.filter((q) => q.data.model === id).map((q) => q.type)).toEqual([
      "abcheck.completed",
      "model.promoted",
    ]);
  });

  it("refuses a precision switch on a model never promoted (409 invalid-state)", async () => {
    const id = await model();
    const r = await precision(id, "fp32");
    expect(r.status).toBe(409);
    expect(r.body.type).toBe("https://berth.dev/problems/invalid-state");
  });

  it("lets an admin promote any team's model", async () => {
    const id = await model();
    const r = await h.call("POST", `/api/v1/models/${id}/promote`, {
      body: { precision: "fp32", batchSize: 2, useTensorrt: false },
    });
    expect(r.status).toBe(200);
  });

  it.each([
    ["record a check", (id: string) => check(id, passedGpu, audio)],
    ["promote", (id: string) => promote(id, { precision: "fp32", batchSize: 1, useTensorrt: false }, audio)],
    ["switch precision", (id: string) => precision(id, "fp32", audio)],
  ])("forbids another team's member to %s (403, nothing changes)", async (_n, act) => {
    const id = await model();
    await check(id, passedGpu);
    await promote(id, { precision: "fp16", batchSize: 8, useTensorrt: false, pool: "V100" });
    const before = await snapshot(id);
    const r = await act(id);
    expect(r.status).toBe(403);
    expect(r.body.type).toBe("https://berth.dev/problems/forbidden");
    expect(await snapshot(id)).toEqual(before);
  });

  it.each([
    ["promote", "/promote", { precision: "fp16", batchSize: 1, useTensorrt: false }, "POST"],
    ["check", "/abchecks", {}, "POST"],
    ["precision", "/precision", { precision: "fp32" }, "PUT"],
  ])("answers 404 for an unknown model (%s)", async (_n, suffix, body, method) => {
    const r = await h.call(method, `/api/v1/models/m-nope${suffix}`, {
      body: suffix === "/abchecks" ? { report: passedGpu, pool: "V100" } : body,
    });
    expect(r.status).toBe(404);
  });

  // Check bodies are a valid GPU report with the named fields overridden (or, for the first, cut down).
  it.each([
    ["promote", "/promote", { precision: "fp8", batchSize: 1, useTensorrt: false }, 422, "precision"],
    ["promote", "/promote", { precision: "fp16", batchSize: 0, useTensorrt: false }, 422, "batchSize"],
    ["promote", "/promote", { precision: "fp16", batchSize: 1, useTensorrt: "no" }, 400, "useTensorrt"],
    ["promote", "/promote", { precision: "fp32", batchSize: 1, useTensorrt: false, gpu: 1 }, 400, "gpu"],
    ["promote", "/promote", { precision: "fp32", batchSize: 1, useTensorrt: false, pool: "X" }, 422, "pool"],
    ["check", "/abchecks", { fp32: undefined }, 400, "report"],
    ["check", "/abchecks", { provider: "metal" }, 422, "report"],
    ["check", "/abchecks", { provider: "cpu" }, 422, "report.fp16Arithmetic"],
    ["check", "/abchecks", { passed: "yes" }, 400, "report"],
    ["check", "/abchecks", { delta: { map5095: 0 } }, 400, "report"],
    ["check", "/abchecks", { reasons: ["nul \u0000 inside"] }, 400, "report"],
    ["precision", "/precision", { precision: "bf16" }, 422, "precision"],
  ])("refuses a bad %s body (%s, naming %s, nothing changes)", async (_n, suffix, body, status, field) => {
    const id = await model();
    await check(id, passedGpu);
    await promote(id, { precision: "fp16", batchSize: 8, useTensorrt: false, pool: "V100" });
    const before = await snapshot(id);
    const r = await h.call(suffix === "/precision" ? "PUT" : "POST", `/api/v1/models/${id}${suffix}`, {
      ...(suffix === "/abchecks" ? {} : { token: vision }),
      body: suffix === "/abchecks" ? { report: { ...passedGpu, ...body }, pool: "V100" } : body,
    });
    expect(r.status).toBe(status);
    expect(r.headers.get("content-type")).toContain("application/problem+json");
    expect(r.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    expect(await snapshot(id)).toEqual(before);
  });
});
