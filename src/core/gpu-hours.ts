// GPU-hours: what a booking costs its team's quota and its usage row, and what a displaced,
// cancelled or released one gives up. One formula, so the audit log, the usage report and the
// quota agree; every other file asks these functions rather than multiplying by itself.
import type { Interval } from "./intervals.ts";
import type { Millis } from "./types.ts";

export const HOUR_MS = 3_600_000;

/** A booking's shape: how many nodes, how many GPUs on each. */
export interface GpuShape {
  readonly nodes: number;
  readonly gpusPerNode: number;
}

/** GPU-hours of `gpus` GPUs over `window` (an empty or inverted window counts zero). */
export function gpuHours(gpus: number, window: Interval): number {
  return (gpus * Math.max(0, window.end - window.start)) / HOUR_MS;
}

/** GPU-hours a booking of `shape` holds over its whole `window`: what its usage row says it booked. */
export function bookedGpuHours(shape: GpuShape, window: Interval): number {
  return gpuHours(shape.nodes * shape.gpusPerNode, window);
}

/** The same in GPU-seconds, the unit the usage rows keep. */
export function bookedGpuSeconds(shape: GpuShape, window: Interval): number {
  return bookedGpuHours(shape, window) * (HOUR_MS / 1000);
}

/**
 * GPU-hours a booking of `shape` over `window` still had ahead of it at `now` (all of it before it
 * started, none after it ended): what ending it at `now` gives up (displaced, cancelled, released).
 */
export function gpuHoursAhead(shape: GpuShape, window: Interval, now: Millis): number {
  return bookedGpuHours(shape, { start: Math.max(now, window.start), end: window.end });
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
