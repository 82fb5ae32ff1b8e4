import { describe, expect, it } from "vitest";
import { HOUR_MS, lostGpuHours } from "../../../src/core/gpu-hours.ts";

describe("GPU-hours a stopped run loses", () => {
  it.each([
    ["counts from the start when no checkpoint is known", 4, null, 4 * 2],
    ["counts from the last checkpoint when known", 4, HOUR_MS, 4 * 1],
    ["ignores a checkpoint before this run started", 2, -HOUR_MS, 2 * 2],
    ["loses nothing when the checkpoint is taken at the stop", 8, 2 * HOUR_MS, 0],
  ])("%s", (_name, gpus, lastCheckpointAt, expected) => {
    expect(lostGpuHours(gpus, { startedAt: 0, lastCheckpointAt, stopsAt: 2 * HOUR_MS })).toBe(expected);
  });
});
