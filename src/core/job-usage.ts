// What a job has cost so far: GPU-hours over all its runs (a run still going counts up to now) and
// how often it was preempted. One formula with the quota and the usage report (gpu-hours.ts).
import { gpuHours } from "./gpu-hours.ts";
import type { Millis } from "./types.ts";

export interface JobRun {
  readonly start: Millis;
  /** null while the run is still holding its GPUs. */
  readonly end: Millis | null;
  readonly outcome: string | null;
}

export interface JobUsage {
  readonly gpuHours: number;
  readonly preemptions: number;
}

export function jobUsage(gpus: number, runs: readonly JobRun[], now: Millis): JobUsage {
  let hours = 0;
  let preemptions = 0;
  for (const r of runs) {
    hours += gpuHours(gpus, { start: r.start, end: r.end ?? now });
    if (r.outcome === "preempted") preemptions++;
  }
  // Four decimals: a GPU-second is 0.0003 GPU-hours; more digits are noise in a view.
  return { gpuHours: Math.round(hours * 10_000) / 10_000, preemptions };
}
