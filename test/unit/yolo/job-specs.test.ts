// The training run's container as the train kind launches it (src/yolo/train-job.ts): ultralytics'
// arguments through Berth's entrypoint, GPUs numbered as the container sees them, AMP by compute
// capability with its reason, and a run admitted again pointed at its predecessors' checkpoint.
import { describe, expect, it } from "vitest";
import type { Pool } from "../../../src/core/types.ts";
import {
  checkpointEvery,
  deviceList,
  runPaths,
  type TrainRunInput,
  trainShape,
} from "../../../src/yolo/train-job.ts";

const v100: Pool = {
  name: "v100",
  product: "Tesla-V100-SXM2-32GB",
  computeCapability: "7.0",
  gpusPerNode: 8,
};
const p100: Pool = { ...v100, name: "p100", product: "Tesla-P100-PCIE-16GB", computeCapability: "6.0" };

const train = (over: Partial<TrainRunInput> = {}): TrainRunInput => ({
  jobId: "j-42",
  attempt: 1,
  team: "vision",
  pool: v100,
  gpus: 4,
  spec: {
    image: "ultralytics/ultralytics:8.4.190",
    model: "yolov8n.yaml",
    data: "/workspace/data/shapes/data.yaml",
    epochs: 50,
    imgsz: 640,
    batch: 64,
    workers: 8,
  },
  ...over,
});

const arg = (input: TrainRunInput, key: string) =>
  trainShape(input)
    .args.find((a) => a.startsWith(`${key}=`))
    ?.slice(key.length + 1);

describe("the training run", () => {
  it("runs the trainer entrypoint in the training image with yolo detect train arguments", () => {
    const shape = trainShape(train());
    expect(shape.image).toBe("ultralytics/ultralytics:8.4.190");
    expect(shape.command).toEqual(["python3"]);
    expect(shape.args[0]).toBe("/opt/berth/berth-train.py");
    const i = train();
    expect([arg(i, "model"), arg(i, "data"), arg(i, "epochs"), arg(i, "imgsz"), arg(i, "batch")]).toEqual([
      "yolov8n.yaml",
      "/workspace/data/shapes/data.yaml",
      "50",
      "640",
      "64",
    ]);
    expect([arg(i, "project"), arg(i, "name")]).toEqual(["/workspace/runs/vision", "j-42"]);
    // Nothing reaches the network from inside the job.
    expect(shape.env).toContainEqual({ name: "YOLO_OFFLINE", value: "1" });
  });

  it("numbers the container's GPUs 0…k−1 whichever physical GPUs the device plugin picked", () => {
    expect(arg(train({ gpus: 4 }), "device")).toBe("0,1,2,3");
    expect(arg(train({ gpus: 1 }), "device")).toBe("0");
    expect(deviceList(8)).toBe("0,1,2,3,4,5,6,7");
  });

  it.each([
    [v100, "True", /Tensor Cores/],
    [p100, "False", /Pascal.*FP32 training/],
    [{ ...v100, computeCapability: "5.2" }, "False", /below 6\.0/],
  ])("sets AMP from the pool's compute capability (%#) and records why", (pool, amp, reason) => {
    expect(arg(train({ pool }), "amp")).toBe(amp);
    const { annotations } = trainShape(train({ pool }));
    expect(annotations["berth.dev/amp"]).toBe(amp === "True" ? "true" : "false");
    expect(annotations["berth.dev/amp-reason"]).toMatch(reason);
  });

  it("points a run admitted again at the last.pt its predecessors left; the first run resumes nothing", () => {
    const last = runPaths("vision", "j-42").lastCheckpoint;
    expect(last).toBe("/workspace/runs/vision/j-42/weights/last.pt");
    expect(arg(train(), "resume")).toBeUndefined();
    expect(trainShape(train()).annotations["berth.dev/resume-from"]).toBeUndefined();
    const again = train({ attempt: 2 });
    expect(arg(again, "resume")).toBe(last);
    expect(trainShape(again).annotations["berth.dev/resume-from"]).toBe(last);
    // The same run directory whatever the attempt: the checkpoint and exports stay together.
    expect([arg(again, "project"), arg(again, "name")]).toEqual(["/workspace/runs/vision", "j-42"]);
  });

  it.each([
    ["an image size off the stride", { imgsz: 500 }, /multiple of the stride 32/],
    ["zero epochs", { epochs: 0 }, /epochs/],
    ["negative workers", { workers: -1 }, /workers/],
  ])("refuses %s", (_name, over, message) => {
    expect(() => trainShape(train({ spec: { ...train().spec, ...over } }))).toThrow(message);
  });

  it("loses at most a batch on preemption for one GPU, up to an epoch for DDP runs", () => {
    expect(checkpointEvery(1)).toBe("sigterm");
    expect(checkpointEvery(4)).toBe("epoch");
    expect(trainShape(train({ gpus: 1 })).annotations["berth.dev/checkpoint-every"]).toBe("sigterm");
  });
});
