// The YOLO training Job: ultralytics' image (or the user's), run through Berth's small trainer
// entrypoint (berth-train.py, mounted from a ConfigMap) that wraps `yolo detect train` with what
// the stock command lacks: a checkpoint on SIGTERM, resume=True from last.pt, and the FP32 + FP16
// ONNX exports of best.pt under distinct names. Containers see their GPUs as 0…k−1 whatever the
// device plugin picked, so `device` is always that range. AMP follows the pool's compute capability.

import type { Pool } from "../core/types.ts";
import { WORKSPACE_MOUNT } from "./job-common.ts";
import { ampDecision } from "./precision-rules.ts";

export const TRAINER_CONFIGMAP = "berth-trainer";
export const TRAINER_SCRIPT = "berth-train.py";
export const TRAINER_MOUNT = "/opt/berth";

export interface TrainSpec {
  /** A model YAML or .pt as ultralytics takes it (e.g. "yolov8n.yaml", or a path on the volume). */
  readonly model: string;
  /** data.yaml path on the shared volume. */
  readonly data: string;
  readonly epochs: number;
  readonly imgsz: number;
  readonly batch: number;
  readonly workers: number;
  /** The training image: ultralytics' own, or one built from it. */
  readonly image: string;
}

/** One run of a training job: which job and run, where it was placed, and what it trains. */
export interface TrainRunInput {
  readonly jobId: string;
  /** Which run of the job (1-based): a later one resumes from the checkpoint the earlier ones left. */
  readonly attempt: number;
  readonly team: string;
  readonly pool: Pool;
  readonly gpus: number;
  readonly spec: TrainSpec;
}

/** The training container as the train kind launches it; the executor adds volumes and GPUs. */
export interface TrainShape {
  readonly image: string;
  readonly command: string[];
  readonly args: string[];
  readonly env: { readonly name: string; readonly value: string }[];
  readonly annotations: Record<string, string>;
}

/** Where a run keeps its checkpoints and exports on the shared volume (stable across re-launches). */
export function runPaths(team: string, jobId: string) {
  const project = `${WORKSPACE_MOUNT}/runs/${team}`;
  const dir = `${project}/${jobId}`;
  return {
    project,
    name: jobId,
    dir,
    lastCheckpoint: `${dir}/weights/last.pt`,
    best: `${dir}/weights/best.pt`,
    onnxFp32: `${dir}/export/best-fp32.onnx`,
    onnxFp16: `${dir}/export/best-fp16.onnx`,
    abReport: `${dir}/export/ab-report.json`,
  };
}

/** The run's two ONNX exports as paths on the shared volume (relative to where a Job mounts it). */
export function trainingExports(team: string, jobId: string): { fp32: string; fp16: string } {
  const p = runPaths(team, jobId);
  const onVolume = (path: string) => path.slice(WORKSPACE_MOUNT.length + 1);
  return { fp32: onVolume(p.onnxFp32), fp16: onVolume(p.onnxFp16) };
}

/** "0,1,…,k−1": the container's view of its k GPUs. */
export function deviceList(gpus: number): string {
  return Array.from({ length: gpus }, (_, i) => i).join(",");
}

/**
 * How much work a preemption can lose. The entrypoint saves last.pt on SIGTERM within the grace
 * period for single-GPU runs; ultralytics runs multi-GPU training in DDP child processes that do
 * not get our callbacks, so there (and with the stock `yolo train`) up to one epoch is lost.
 */
export function checkpointEvery(gpus: number): "sigterm" | "epoch" {
  return gpus === 1 ? "sigterm" : "epoch";
}

function positiveInt(v: number, field: string): void {
  if (!Number.isInteger(v) || v < 1) throw new Error(`${field} must be a positive integer, got ${v}`);
}

/** What the training run executes, apart from where and how long: the container and its annotations. */
export function trainShape(input: TrainRunInput): TrainShape {
  const s = input.spec;
  positiveInt(s.epochs, "epochs");
  positiveInt(s.imgsz, "imgsz");
  positiveInt(s.batch, "batch");
  if (!Number.isInteger(s.workers) || s.workers < 0)
    throw new Error(`workers must be an integer ≥ 0, got ${s.workers}`);
  if (s.imgsz % 32 !== 0) throw new Error(`imgsz must be a multiple of the stride 32, got ${s.imgsz}`);
  const amp = ampDecision(input.pool.computeCapability);
  const paths = runPaths(input.team, input.jobId);
  const args = [
    `${TRAINER_MOUNT}/${TRAINER_SCRIPT}`,
    `model=${s.model}`,
    `data=${s.data}`,
    `epochs=${s.epochs}`,
    `imgsz=${s.imgsz}`,
    `batch=${s.batch}`,
    `workers=${s.workers}`,
    `device=${deviceList(input.gpus)}`,
    `amp=${amp.amp ? "True" : "False"}`,
    `project=${paths.project}`,
    `name=${paths.name}`,
    "exist_ok=True",
    "plots=False",
    // A run admitted again (after a preemption or a window's end) says where its predecessors'
    // checkpoint is; the entrypoint resumes from it when it is there (a run stopped in its first
    // epoch left none, and starts afresh).
    ...(input.attempt > 1 ? [`resume=${paths.lastCheckpoint}`] : []),
  ];
  return {
    image: s.image,
    command: ["python3"],
    args,
    env: [
      // Nothing reaches the network from inside a job: no hub, telemetry, font or AMP-check downloads.
      { name: "YOLO_OFFLINE", value: "1" },
      { name: "YOLO_AUTOINSTALL", value: "false" },
      { name: "PYTHONUNBUFFERED", value: "1" },
    ],
    annotations: {
      "berth.dev/amp": String(amp.amp),
      "berth.dev/amp-reason": amp.reason,
      "berth.dev/checkpoint-every": checkpointEvery(input.gpus),
      ...(input.attempt > 1 ? { "berth.dev/resume-from": paths.lastCheckpoint } : {}),
    },
  };
}
