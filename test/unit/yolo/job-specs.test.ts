// biome-ignore-all lint/suspicious/noExplicitAny: the Job is JSON-shaped; tests read it like a manifest.
import { describe, expect, it } from "vitest";
import type { Pool } from "../../../src/core/types.ts";
import type { K8sObject } from "../../../src/yolo/job-common.ts";
import {
  buildTrainJob,
  checkpointEvery,
  deviceList,
  type TrainJobInput,
} from "../../../src/yolo/train-job.ts";
import { buildValidateJob, followUpAfterTraining } from "../../../src/yolo/validate-job.ts";

const v100: Pool = {
  name: "v100",
  product: "Tesla-V100-SXM2-32GB",
  computeCapability: "7.0",
  gpusPerNode: 8,
  cpuMilliPerGpu: 8000,
  memoryMiBPerGpu: 61440,
};
const p100: Pool = { ...v100, name: "p100", product: "Tesla-P100-PCIE-16GB", computeCapability: "6.0" };
const HOUR = 3_600_000;

const train = (over: Partial<TrainJobInput> = {}): TrainJobInput => ({
  jobId: "j-42",
  team: "vision",
  namespace: "team-vision",
  pool: v100,
  gpus: 4,
  placement: { reservationId: "r-7", priority: "high", admittedNodes: ["gpu-node-3"] },
  volumeClaim: "berth-workspace",
  terminationGracePeriodSeconds: 120,
  windowEnd: 10 * HOUR,
  now: 8 * HOUR,
  spec: {
    model: "yolov8n.yaml",
    data: "/workspace/data/shapes/data.yaml",
    epochs: 50,
    imgsz: 640,
    batch: 64,
    workers: 8,
  },
  ...over,
});

// Small readers over the JSON-shaped Job, so assertions read like the manifest.
const spec = (job: K8sObject) => job.spec as Record<string, any>;
const pod = (job: K8sObject) => spec(job).template.spec as Record<string, any>;
const container = (job: K8sObject) => pod(job).containers[0] as Record<string, any>;
const arg = (job: K8sObject, key: string) =>
  (container(job).args as string[]).find((a) => a.startsWith(`${key}=`))?.slice(key.length + 1);

describe("the training Job", () => {
  it("runs the trainer entrypoint in the ultralytics image with yolo detect train arguments", () => {
    const job = buildTrainJob(train());
    expect(container(job).image).toBe("ultralytics/ultralytics:8.4.190");
    expect(container(job).command).toEqual(["python3"]);
    expect(container(job).args[0]).toBe("/opt/berth/berth-train.py");
    expect([
      arg(job, "model"),
      arg(job, "data"),
      arg(job, "epochs"),
      arg(job, "imgsz"),
      arg(job, "batch"),
    ]).toEqual(["yolov8n.yaml", "/workspace/data/shapes/data.yaml", "50", "640", "64"]);
    expect([arg(job, "project"), arg(job, "name")]).toEqual(["/workspace/runs/vision", "j-42"]);
  });

  it("numbers the container's GPUs 0…k−1 whichever physical GPUs the device plugin picked", () => {
    expect(arg(buildTrainJob(train({ gpus: 4 })), "device")).toBe("0,1,2,3");
    expect(arg(buildTrainJob(train({ gpus: 1 })), "device")).toBe("0");
    expect(deviceList(8)).toBe("0,1,2,3,4,5,6,7");
  });

  it.each([
    [v100, "True", /Tensor Cores/],
    [p100, "False", /Pascal.*FP32 training/],
    [{ ...v100, computeCapability: "5.2" }, "False", /below 6\.0/],
  ])("sets AMP from the pool's compute capability (%#) and records why", (pool, amp, reason) => {
    const job = buildTrainJob(train({ pool }));
    expect(arg(job, "amp")).toBe(amp);
    const annotations = (job.metadata as any).annotations;
    expect(annotations["berth.dev/amp"]).toBe(amp === "True" ? "true" : "false");
    expect(annotations["berth.dev/amp-reason"]).toMatch(reason);
  });

  it("asks for the GPUs as a limit plus the pool's CPU and memory per GPU", () => {
    expect(container(buildTrainJob(train({ gpus: 2 }))).resources).toEqual({
      limits: { "nvidia.com/gpu": "2", cpu: "16000m", memory: "122880Mi" },
      requests: { cpu: "16000m", memory: "122880Mi" },
    });
  });

  it("carries the Berth labels, priority class, shared volume, memory-backed /dev/shm and grace period", () => {
    const job = buildTrainJob(train());
    expect((job.metadata as any).labels).toEqual({
      "app.kubernetes.io/managed-by": "berth",
      "berth.dev/job": "j-42",
      "berth.dev/attempt": "1",
      "berth.dev/team": "vision",
      "berth.dev/reservation": "r-7",
    });
    expect(pod(job).priorityClassName).toBe("berth-high");
    expect(pod(job).terminationGracePeriodSeconds).toBe(120);
    expect(pod(job).volumes).toContainEqual({
      name: "workspace",
      persistentVolumeClaim: { claimName: "berth-workspace" },
    });
    expect(pod(job).volumes).toContainEqual({
      name: "dshm",
      emptyDir: { medium: "Memory", sizeLimit: "4096Mi" },
    });
    expect(container(job).volumeMounts).toContainEqual({ name: "dshm", mountPath: "/dev/shm" });
  });

  it("never lets a preemption count against backoffLimit, and keeps the deadline a backstop past end + grace", () => {
    const s = spec(buildTrainJob(train()));
    expect(s.podFailurePolicy.rules[0]).toEqual({
      action: "Ignore",
      onPodConditions: [{ type: "DisruptionTarget" }],
    });
    expect(pod(buildTrainJob(train())).restartPolicy).toBe("Never");
    // two hours left + 120 s grace + 60 s slack
    expect(s.activeDeadlineSeconds).toBe(7200 + 120 + 60);
  });

  it("pins an admitted job to its planned node with the managed-taint toleration", () => {
    const job = buildTrainJob(train());
    expect(spec(job).suspend).toBe(false);
    expect(pod(job).tolerations).toEqual([
      { key: "berth.dev/managed", operator: "Equal", value: "true", effect: "NoSchedule" },
    ]);
    expect(
      pod(job).affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]
        .matchExpressions,
    ).toEqual([{ key: "kubernetes.io/hostname", operator: "In", values: ["gpu-node-3"] }]);
  });

  it("creates a job that is not admitted yet suspended, without toleration, in the default queue", () => {
    const job = buildTrainJob(train({ placement: { priority: "low" } }));
    expect(spec(job).suspend).toBe(true);
    expect(pod(job).tolerations).toBeUndefined();
    expect((job.metadata as any).labels["berth.dev/queue"]).toBe("default");
  });

  it("gives the same name on every build, so a re-launch is idempotent", () => {
    // Named as the executor names every run (src/basics/job-names.ts): by job and attempt.
    expect((buildTrainJob(train()).metadata as any).name).toBe("berth-j-42-1");
    expect((buildTrainJob(train({ attempt: 2 })).metadata as any).name).toBe("berth-j-42-2");
    expect(buildTrainJob(train())).toEqual(buildTrainJob(train()));
  });

  it.each([
    ["more GPUs than one node has (multi-node training is out of scope)", { gpus: 16 }, /one node/],
    ["zero GPUs", { gpus: 0 }, /positive integer/],
    ["an image size off the stride", { spec: { ...train().spec, imgsz: 500 } }, /multiple of the stride 32/],
    ["zero epochs", { spec: { ...train().spec, epochs: 0 } }, /epochs/],
  ])("refuses %s", (_name, over, message) => {
    expect(() => buildTrainJob(train(over as Partial<TrainJobInput>))).toThrow(message);
  });

  it("loses at most a batch on preemption for one GPU, up to an epoch for DDP runs", () => {
    expect(checkpointEvery(1)).toBe("sigterm");
    expect(checkpointEvery(4)).toBe("epoch");
  });
});

describe("the validation Job", () => {
  const withValidation = train({
    spec: { ...train().spec, validate: true, validationData: "/workspace/data/shapes/val" },
  });

  it("follows a succeeded training job that asked for it, in the same reservation, on one GPU", () => {
    const next = followUpAfterTraining(withValidation, "succeeded", { image: "berth:0.1.0", now: 9 * HOUR })!;
    expect(next.placement.reservationId).toBe("r-7");
    const job = buildValidateJob(next);
    expect((job.metadata as any).name).toBe("berth-j-42-ab-1");
    expect(container(job).resources.limits["nvidia.com/gpu"]).toBe("1");
    expect(container(job).command).toEqual(["berth"]);
    expect(container(job).args).toEqual([
      "validate",
      "--model",
      "/workspace/runs/vision/j-42/export/best-fp32.onnx",
      "--model-fp16",
      "/workspace/runs/vision/j-42/export/best-fp16.onnx",
      "--data",
      "/workspace/data/shapes/val",
      "--out",
      "/workspace/runs/vision/j-42/export/ab-report.json",
      "--provider",
      "cuda",
    ]);
    expect(container(job).terminationMessagePolicy).toBe("File");
    expect(spec(job).suspend).toBe(true);
  });

  it.each(["failed", "cancelled"] as const)("is not queued after a %s training job", (outcome) => {
    expect(followUpAfterTraining(withValidation, outcome, { image: "berth:0.1.0", now: 0 })).toBeNull();
  });

  it("is not queued when the training job did not ask for validation", () => {
    expect(followUpAfterTraining(train(), "succeeded", { image: "berth:0.1.0", now: 0 })).toBeNull();
  });
});
