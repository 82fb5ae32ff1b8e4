// `train`: YOLO training through the src/yolo builders: ultralytics' arguments run by Berth's
// trainer entrypoint (mounted from a ConfigMap the executor creates), AMP only where the placed
// pool's compute capability is 7.0 or more (the reason is on the Job when it is off), the shared
// volume for data and checkpoints and a memory-backed /dev/shm. A run admitted again resumes from
// the last.pt its earlier runs left (its arguments name it), so preemption loses little.
import { readFileSync } from "node:fs";
import { z } from "zod";
import { WORKSPACE_MOUNT } from "../../../yolo/job-common.ts";
import { TRAINER_CONFIGMAP, TRAINER_MOUNT, TRAINER_SCRIPT, trainShape } from "../../../yolo/train-job.ts";
import type { JobKind } from "./job-kind.ts";
import { DataPath, Image, onWorkspace, SimulationFields } from "./spec-fields.ts";

const TrainSpec = z
  .strictObject({
    image: Image,
    /** An ultralytics model name (`yolov8n.yaml`) or a path on the shared volume. */
    model: DataPath,
    /** The dataset's data.yaml. */
    data: DataPath,
    epochs: z.int().min(1).max(10_000),
    imageSize: z
      .int()
      .min(32)
      .max(8192)
      .refine((n) => n % 32 === 0, "a multiple of the stride 32")
      .optional(),
    batch: z.int().min(1).max(4096).optional(),
    /** Also save a checkpoint every this many epochs (ultralytics' save_period). */
    checkpointEvery: z.int().min(1).max(10_000).optional(),
    /** When training succeeds, run the FP16-vs-FP32 A/B check of its exports on `validationData`. */
    validate: z.boolean().optional(),
    /** The A/B check's validation set (COCO annotations.json and images). */
    validationData: DataPath.optional(),
    ...SimulationFields,
  })
  .superRefine((spec, ctx) => {
    if (spec.validate && !spec.validationData)
      ctx.addIssue({
        code: "custom",
        path: ["validationData"],
        message: "the validation set the A/B check runs on",
      });
  });

export type TrainSpec = z.infer<typeof TrainSpec>;

export const DEFAULT_IMAGE_SIZE = 640;
export const DEFAULT_BATCH = 16;
const DATALOADER_WORKERS = 8;

/** A bare ultralytics name stays as it is; anything with a directory lies on the shared volume. */
function modelArgument(model: string): string {
  return model.includes("/") ? onWorkspace(model) : model;
}

let trainerScript: string | undefined;
function trainerScriptText(): string {
  trainerScript ??= readFileSync(new URL(`../../../yolo/${TRAINER_SCRIPT}`, import.meta.url), "utf8");
  return trainerScript;
}

export const trainKind: JobKind<TrainSpec> = {
  name: "train",
  spec: TrainSpec,
  // Multi-node training is out of scope: a training's GPUs sit on one node.
  maxGpus: (pool) => ({
    gpus: pool.gpusPerNode,
    why: `a training runs on one node (${pool.gpusPerNode} GPUs in ${pool.name})`,
  }),
  run(spec, target) {
    const shape = trainShape({
      jobId: target.job,
      attempt: target.attempt,
      team: target.team,
      pool: target.pool,
      gpus: target.gpus,
      spec: {
        image: spec.image,
        model: modelArgument(spec.model),
        data: onWorkspace(spec.data),
        epochs: spec.epochs,
        imgsz: spec.imageSize ?? DEFAULT_IMAGE_SIZE,
        batch: spec.batch ?? DEFAULT_BATCH,
        workers: DATALOADER_WORKERS,
      },
    });
    return {
      image: shape.image,
      command: shape.command,
      args: [...shape.args, ...(spec.checkpointEvery ? [`save_period=${spec.checkpointEvery}`] : [])],
      env: shape.env,
      annotations: shape.annotations,
      workspaceMount: WORKSPACE_MOUNT,
      // PyTorch data loaders share batches through /dev/shm; the container default of 64 MiB kills them.
      shmMiB: 1024 * target.gpus,
      configFiles: [
        {
          name: TRAINER_CONFIGMAP,
          mountPath: TRAINER_MOUNT,
          files: { [TRAINER_SCRIPT]: trainerScriptText() },
        },
      ],
    };
  },
};
