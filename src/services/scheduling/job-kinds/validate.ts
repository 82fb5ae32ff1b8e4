// `validate`: the FP16-vs-FP32 A/B run of two ONNX exports on a validation set, `berth validate` in
// Berth's own image (BERTH_IMAGE) on one GPU. Its report goes beside the job's run on the shared
// volume and its compact verdict into the pod's termination message, which Berth reads. In
// embedded mode the same command runs as a local process on the CPU (FP16 emulated there: reported,
// never unlocking fp16).
import { join } from "node:path";
import { z } from "zod";
import { WORKSPACE_MOUNT } from "../../../yolo/job-common.ts";
import { runPaths } from "../../../yolo/train-job.ts";
import { validateArgs } from "../../../yolo/validate-job.ts";
import type { JobKind } from "./job-kind.ts";
import { DataPath, onWorkspace, SimulationFields } from "./spec-fields.ts";

const ValidateSpec = z.strictObject({
  /** The FP32 ONNX export. */
  fp32: DataPath,
  /** The FP16 ONNX export of the same weights. */
  fp16: DataPath,
  /** The validation set: COCO annotations.json and its images. */
  data: DataPath,
  ...SimulationFields,
});

export type ValidateSpec = z.infer<typeof ValidateSpec>;

export const validateKind: JobKind<ValidateSpec> = {
  name: "validate",
  spec: ValidateSpec,
  // `berth validate` runs both precisions on one device, one after the other.
  maxGpus: () => ({ gpus: 1, why: "a validation runs on one GPU" }),
  run(spec, target, settings) {
    const local = settings.local;
    const resultFile = local ? join(local.resultDir, `${target.job}-${target.attempt}.json`) : undefined;
    return {
      image: settings.berthImage,
      command: ["berth"],
      args: validateArgs({
        modelFp32: onWorkspace(spec.fp32),
        modelFp16: onWorkspace(spec.fp16),
        data: onWorkspace(spec.data),
        report: runPaths(target.team, target.job).abReport,
      }),
      env: [],
      annotations: {},
      workspaceMount: WORKSPACE_MOUNT,
      // Berth's image runs as its own unprivileged user (USER in the Dockerfile).
      nonRoot: true,
      ...(local && resultFile
        ? {
            local: {
              command: local.berth[0]!,
              args: [
                ...local.berth.slice(1),
                "validate",
                "--model",
                spec.fp32,
                "--model-fp16",
                spec.fp16,
                "--data",
                spec.data,
                "--out",
                resultFile,
                "--provider",
                "cpu",
              ],
              resultFile,
            },
          }
        : {}),
    };
  },
};
