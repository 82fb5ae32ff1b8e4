// The FP16-vs-FP32 validation run: Berth's own image runs `berth validate` on the two exports of a
// model, writes the A/B report to the shared volume and the compact summary to
// /dev/termination-log (so Berth reads it through the Kubernetes API alone). The validate job kind
// (src/services/scheduling/job-kinds/validate.ts) launches it; a train job with `validate: true` is
// followed by one (src/services/models/training-follow-up.ts).

export interface ValidateArgs {
  readonly modelFp32: string;
  readonly modelFp16: string;
  /** Directory with annotations.json and its images, on the volume. */
  readonly data: string;
  readonly report: string;
}

/** `berth validate`'s arguments for a run on the GPU. */
export function validateArgs(s: ValidateArgs): string[] {
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
  ];
}

/** The follow-up validation job's id: deterministic, so recording it twice is caught by its key. */
export function validationJobId(trainJobId: string): string {
  return `${trainJobId}-ab`;
}
