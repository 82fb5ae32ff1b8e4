// GPU-hours: what a booking costs its team's quota and its usage row, and what a displaced or
// cancelled one gives up. One formula, so the audit log, the usage report and the quota agree.
import type { Interval } from "./intervals.ts";
import type { Millis } from "./types.ts";

export const HOUR_MS = 3_600_000;

/** GPU-hours of `gpus` GPUs over `window` (an empty or inverted window counts zero). */
export function gpuHours(gpus: number, window: Interval): number {
  return (gpus * Math.max(0, window.end - window.start)) / HOUR_MS;
}

/**
 * GPU-hours of work a run stopped at `stopsAt` throws away: from its last checkpoint, or from its
 * start when no checkpoint is known, to when its GPUs are free.
 */
export function lostGpuHours(
  gpus: number,
  run: { readonly startedAt: Millis; readonly lastCheckpointAt: Millis | null; readonly stopsAt: Millis },
): number {
  return gpuHours(gpus, {
    start: Math.max(run.startedAt, run.lastCheckpointAt ?? run.startedAt),
    end: run.stopsAt,
  });
}

/** GPU-hours a booking of `shape` over `window` still had ahead of it at `now` (all of it before it started). */
export function gpuHoursAhead(
  shape: { readonly nodes: number; readonly gpusPerNode: number },
  window: Interval,
  now: Millis,
): number {
  return gpuHours(shape.nodes * shape.gpusPerNode, { start: Math.max(now, window.start), end: window.end });
}
