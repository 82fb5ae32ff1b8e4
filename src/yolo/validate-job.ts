// The FP16-vs-FP32 validation Job: Berth's own image runs `berth validate` on the two exports of a
// training run, writes the A/B report to the shared volume and the compact verdict to
// /dev/termination-log (so Berth reads it through the Kubernetes API alone). A train job with
// `validate: true` is followed by this Job in the same reservation once training succeeds.
import { buildJob, type CommonJobInput, type JobShape, type K8sObject } from "./job-common.ts";
import { runPaths, type TrainJobInput } from "./train-job.ts";

export interface ValidateSpec {
  readonly modelFp32: string;
  readonly modelFp16: string;
  /** Directory with annotations.json and its images, on the volume. */
  readonly data: string;
  readonly report: string;
  /** Berth's own image (it carries onnxruntime-node with the CUDA provider). */
  readonly image: string;
  readonly tolerancePoints?: number;
  readonly minImages?: number;
}

export interface ValidateJobInput extends CommonJobInput {
  readonly spec: ValidateSpec;
}

export function buildValidateJob(input: ValidateJobInput): K8sObject {
  return buildJob({ ...input, gpus: 1 }, validateShape(input.spec));
}

/** `berth validate`'s arguments for a spec, on the GPU. */
export function validateArgs(s: Omit<ValidateSpec, "image">): string[] {
  return [
    "validate",
    "--model",
    s.modelFp32,
    "--model-fp16",
    s.modelFp16,
    "--data",
    s.data,
    "--out",
    s.report,
    "--provider",
    "cuda",
    ...(s.tolerancePoints !== undefined ? ["--tolerance", String(s.tolerancePoints)] : []),
    ...(s.minImages !== undefined ? ["--min-images", String(s.minImages)] : []),
  ];
}

/** What the validation run executes: Berth's image running `berth validate`. */
export function validateShape(s: ValidateSpec): JobShape {
  return {
    kind: "validate",
    container: { name: "main", image: s.image, command: ["berth"], args: validateArgs(s) },
  };
}

/**
 * The Job to queue after a training Job ends: the validation Job for a succeeded train job that
 * asked for one (same reservation, one GPU), otherwise nothing.
 */
export function followUpAfterTraining(
  train: TrainJobInput,
  outcome: "succeeded" | "failed" | "cancelled",
  options: { image: string; now: number },
): ValidateJobInput | null {
  if (outcome !== "succeeded" || !train.spec.validate) return null;
  if (!train.spec.validationData) {
    throw new Error(`train job ${train.jobId} asks for validation but names no validationData`);
  }
  return {
    ...train,
    jobId: validationJobId(train.jobId),
    gpus: 1,
    now: options.now,
    // Admission is the core's call: the follow-up starts suspended like any queued job.
    placement: { ...train.placement, admittedNodes: undefined },
    spec: validationSpecAfterTraining(train.team, train.jobId, train.spec.validationData, options.image),
  };
}

/** The follow-up validation job's id: deterministic, so recording it twice is caught by its key. */
export function validationJobId(trainJobId: string): string {
  return `${trainJobId}-ab`;
}

/** What the validation job checks: the training run's two ONNX exports on the validation data. */
export function validationSpecAfterTraining(
  team: string,
  trainJobId: string,
  validationData: string,
  image: string,
): ValidateSpec {
  const paths = runPaths(team, trainJobId);
  return {
    modelFp32: paths.onnxFp32,
    modelFp16: paths.onnxFp16,
    data: validationData,
    report: paths.abReport,
    image,
  };
}
