// POST /jobs checks each kind's spec when the job is submitted: a 422 naming the dotted field, and
// nothing stored; a valid spec is stored as its kind reads it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../../support/api-harness.ts";
import { BACKENDS } from "../../support/database.ts";

describe.each(BACKENDS)("job specs at submission on %s", (backend) => {
  let h: Harness;
  let vision: string;
  beforeAll(async () => {
    h = await startHarness(backend);
    vision = await h.team("vision");
  });
  afterAll(async () => h.close());
  const submit = (kind: string, spec: unknown) =>
    h.call("POST", "/api/v1/jobs", { token: vision, body: { kind, pool: "V100", gpus: 1, spec } });

  it.each([
    ["train", { image: "u:1", model: "yolov8n.yaml", data: "d.yaml", epochs: 0 }, "spec.epochs"],
    ["train", { image: "u:1", model: "yolov8n.yaml", epochs: 3 }, "spec.data"],
    [
      "external",
      { image: "busybox", env: { NVIDIA_VISIBLE_DEVICES: "all" } },
      "spec.env.NVIDIA_VISIBLE_DEVICES",
    ],
    ["external", { command: ["true"] }, "spec.image"],
    ["validate", { fp32: "a.onnx", fp16: "b.onnx" }, "spec.data"],
  ])("refuses a %s job whose spec is %o (422 on %s), storing nothing", async (kind, spec, field) => {
    const before = (await h.call("GET", "/api/v1/jobs")).body.items.length;
    const r = await submit(kind, spec);
    expect(r.status).toBe(422);
    expect(r.body.errors).toContainEqual(expect.objectContaining({ field }));
    expect((await h.call("GET", "/api/v1/jobs")).body.items.length).toBe(before);
  });

  it.each([
    ["validate", 2, { fp32: "a.onnx", fp16: "b.onnx", data: "val" }, /one GPU/],
    ["train", 8, { image: "u:1", model: "yolov8n.yaml", data: "d.yaml", epochs: 3 }, /one node \(4 GPUs/],
  ])("refuses a %s job on %i GPUs its kind cannot use (422 on gpus)", async (kind, gpus, spec, message) => {
    const r = await h.call("POST", "/api/v1/jobs", {
      token: vision,
      body: { kind, pool: "V100", gpus, spec },
    });
    expect(r.status).toBe(422);
    expect(r.body.errors).toEqual([{ field: "gpus", message: expect.stringMatching(message) }]);
  });

  it("queues a job whose spec its kind accepts", async () => {
    const r = await submit("train", {
      image: "u:1",
      model: "yolov8n.yaml",
      data: "d.yaml",
      epochs: 3,
      imageSize: 320,
    });
    expect(r.status).toBe(201);
    expect(r.body.spec).toEqual({
      image: "u:1",
      model: "yolov8n.yaml",
      data: "d.yaml",
      epochs: 3,
      imageSize: 320,
    });
  });
});
