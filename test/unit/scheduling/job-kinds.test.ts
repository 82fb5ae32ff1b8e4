// The job-kind registry: each kind's spec schema (what POST /jobs refuses, with dotted fields) and
// the launch order it makes for a run on a given pool.
import { describe, expect, it } from "vitest";
import type { Pool } from "../../../src/core/types.ts";
import type { LaunchTarget } from "../../../src/services/scheduling/job-kinds/job-kind.ts";
import { checkJobSpec, runSpecOf } from "../../../src/services/scheduling/job-kinds/registry.ts";
import { gpuPool, KIND_SETTINGS, TRAIN_SPEC } from "./kind-fixtures.ts";

const V100 = gpuPool("V100", "7.0");
const T4 = gpuPool("T4", "7.5");
const P100 = gpuPool("P100", "6.0");
const target = (over: Partial<LaunchTarget> = {}): LaunchTarget => ({
  job: "j-1",
  attempt: 1,
  team: "vision",
  pool: V100,
  gpus: 2,
  ...over,
});
const settings = KIND_SETTINGS;
const TRAIN = TRAIN_SPEC;

/** The field names a refused spec's 422 lists. */
function refusedFields(kind: "train" | "validate" | "external", spec: unknown): string[] {
  try {
    checkJobSpec(kind, spec);
  } catch (err) {
    return ((err as { extra: { errors: { field: string }[] } }).extra.errors ?? []).map((e) => e.field);
  }
  return [];
}

describe("spec schemas, checked at submission", () => {
  it.each([
    ["an external job without an image", "external", {}, ["spec.image"]],
    [
      "a device variable",
      "external",
      { image: "x", env: { CUDA_VISIBLE_DEVICES: "0" } },
      ["spec.env.CUDA_VISIBLE_DEVICES"],
    ],
    ["a badly named variable", "external", { image: "x", env: { "1X": "a" } }, ["spec.env.1X"]],
    [
      "a secret reference without its key",
      "external",
      { image: "x", env: { T: { secret: "s" } } },
      ["spec.env.T"],
    ],
    [
      "Berth's own annotation",
      "external",
      { image: "x", annotations: { "berth.dev/queue": "a" } },
      ["spec.annotations.berth.dev/queue"],
    ],
    ["an unknown field", "external", { image: "x", colour: "red" }, ["spec.colour"]],
    ["a train job without epochs", "train", { ...TRAIN, epochs: undefined }, ["spec.epochs"]],
    ["an image size off the stride", "train", { ...TRAIN, imageSize: 500 }, ["spec.imageSize"]],
    ["validation without its data", "train", { ...TRAIN, validate: true }, ["spec.validationData"]],
    [
      "a path climbing out of the volume",
      "validate",
      { fp32: "../a.onnx", fp16: "b.onnx", data: "v" },
      ["spec.fp32"],
    ],
    ["a validate job without its FP16 export", "validate", { fp32: "a.onnx", data: "v" }, ["spec.fp16"]],
  ] as const)("refuses %s", (_name, kind, spec, fields) => {
    expect(refusedFields(kind, spec)).toEqual(fields);
  });

  it("accepts each kind's contract fields, and the simulated cluster's duration on any kind", () => {
    expect(
      checkJobSpec("external", {
        image: "busybox:1.36",
        command: ["sh", "-c"],
        args: ["echo hi"],
        annotations: { owner: "ml", "prometheus.io/scrape": "true" },
        env: { MODE: "fast", TOKEN: { secret: "hub", key: "token" } },
        simDurationSeconds: 30,
      }),
    ).toMatchObject({ image: "busybox:1.36" });
    expect(checkJobSpec("train", { ...TRAIN, imageSize: 320, batch: 8, checkpointEvery: 2 })).toMatchObject(
      TRAIN,
    );
    expect(checkJobSpec("validate", { fp32: "a.onnx", fp16: "b.onnx", data: "val" })).toBeTruthy();
  });
});

describe("launch orders", () => {
  const trainRun = (p: Pool, over: Record<string, unknown> = {}) =>
    runSpecOf("train", { ...TRAIN, ...over }, target({ pool: p }), settings)!;
  const arg = (args: readonly string[] | undefined, key: string) =>
    args?.find((a) => a.startsWith(`${key}=`))?.slice(key.length + 1);

  it.each([
    [V100, "True", "true", /Tensor Cores/],
    [T4, "True", "true", /Tensor Cores/],
    [P100, "False", "false", /Pascal.*FP32 training/],
  ])("trains on %o with AMP as its compute capability allows, and records why", (p, amp, annotation, why) => {
    const run = trainRun(p);
    expect(arg(run.args, "amp")).toBe(amp);
    expect(run.annotations["berth.dev/amp"]).toBe(annotation);
    expect(run.annotations["berth.dev/amp-reason"]).toMatch(why);
  });

  it("runs the trainer entrypoint from its ConfigMap on the shared volume, with /dev/shm sized per GPU", () => {
    const run = trainRun(V100, { checkpointEvery: 5 });
    expect(run.image).toBe(TRAIN.image);
    expect(run.command).toEqual(["python3"]);
    expect(run.args?.[0]).toBe("/opt/berth/berth-train.py");
    expect([arg(run.args, "model"), arg(run.args, "data"), arg(run.args, "device")]).toEqual([
      "yolov8n.yaml",
      "/workspace/data/shapes.yaml",
      "0,1",
    ]);
    // The run's directory is the job's, whatever the attempt: a re-admitted run resumes from its last.pt.
    expect([arg(run.args, "project"), arg(run.args, "name")]).toEqual(["/workspace/runs/vision", "j-1"]);
    expect(runSpecOf("train", TRAIN, target({ attempt: 3 }), settings)?.args).toEqual([
      ...trainRun(V100).args!,
      "resume=/workspace/runs/vision/j-1/weights/last.pt",
    ]);
    expect(arg(run.args, "save_period")).toBe("5");
    expect(run.workspaceMount).toBe("/workspace");
    expect(run.shmMiB).toBe(2048);
    expect(run.configFiles?.map((c) => [c.name, c.mountPath, Object.keys(c.files)])).toEqual([
      ["berth-trainer", "/opt/berth", ["berth-train.py"]],
    ]);
    expect(run.configFiles?.[0]?.files["berth-train.py"]).toContain("resume=True");
  });

  it("validates in Berth's image with berth validate on the GPU, and locally on the CPU in embedded mode", () => {
    const spec = {
      fp32: "runs/vision/j-0/export/best-fp32.onnx",
      fp16: "runs/vision/j-0/export/best-fp16.onnx",
      data: "val",
    };
    const onCluster = runSpecOf("validate", spec, target({ gpus: 1 }), settings)!;
    expect(onCluster.image).toBe(settings.berthImage);
    expect(onCluster.command).toEqual(["berth"]);
    expect(onCluster.args).toEqual([
      "validate",
      "--model",
      "/workspace/runs/vision/j-0/export/best-fp32.onnx",
      "--model-fp16",
      "/workspace/runs/vision/j-0/export/best-fp16.onnx",
      "--data",
      "/workspace/val",
      "--out",
      "/workspace/runs/vision/j-1/export/ab-report.json",
      "--provider",
      "cuda",
    ]);
    expect(onCluster.local).toBeUndefined();
    const embedded = runSpecOf("validate", spec, target({ gpus: 1 }), {
      ...settings,
      local: { berth: ["/usr/bin/node", "/opt/berth/bin/berth.js"], resultDir: "/data/abchecks" },
    })!;
    expect(embedded.local).toEqual({
      command: "/usr/bin/node",
      args: [
        "/opt/berth/bin/berth.js",
        "validate",
        "--model",
        spec.fp32,
        "--model-fp16",
        spec.fp16,
        "--data",
        "val",
        "--out",
        "/data/abchecks/j-1-1.json",
        "--provider",
        "cpu",
      ],
      resultFile: "/data/abchecks/j-1-1.json",
    });
  });

  it("runs an external job's container as written, its secret variables by reference", () => {
    const run = runSpecOf(
      "external",
      { image: "busybox:1.36", args: ["sleep", "1"], env: { A: "1", T: { secret: "hub", key: "token" } } },
      target(),
      settings,
    );
    expect(run).toEqual({
      image: "busybox:1.36",
      args: ["sleep", "1"],
      env: [
        { name: "A", value: "1" },
        { name: "T", secret: "hub", key: "token" },
      ],
      annotations: {},
    });
  });

  it("leaves a spec stored before kinds checked specs to the executor's old reading", () => {
    expect(runSpecOf("train", {}, target(), settings)).toBeUndefined();
  });
});
