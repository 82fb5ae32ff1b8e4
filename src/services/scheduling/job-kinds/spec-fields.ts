// Schema pieces the kinds' specs share, and where a spec's paths lie when a run reads them: on the
// team's shared volume in a Job (mounted at WORKSPACE_MOUNT), as given in embedded mode.
import { posix } from "node:path";
import { z } from "zod";
import { WORKSPACE_MOUNT } from "../../../yolo/job-common.ts";

const NO_NUL = (s: string) => !s.includes("\0");

export const Image = z.string().min(1).max(500).refine(NO_NUL, "must not contain NUL characters");

/** A file or directory a run reads: never climbing out of the shared volume. */
export const DataPath = z
  .string()
  .min(1)
  .max(1000)
  .refine(NO_NUL, "must not contain NUL characters")
  .refine((p) => !p.split("/").includes(".."), "must not contain '..'");

/**
 * Fields of every kind that only test clusters and the simulated demo cluster read: how long a run
 * "runs" (annotation berth.dev/sim-duration), the exit code it ends with, and a failure its pod
 * plays (berth.dev/sim-failure: killed for memory, or an image that cannot be pulled).
 */
export const SimulationFields = {
  simDurationSeconds: z
    .number()
    .min(0)
    .max(366 * 86_400)
    .optional(),
  simExitCode: z.int().min(0).max(255).optional(),
  simFailure: z.enum(["OOMKilled", "ErrImagePull", "InvalidImageName"]).optional(),
};

/** Where a spec path lies inside a Job's container: under the mounted shared volume. */
export function onWorkspace(path: string): string {
  return posix.join(WORKSPACE_MOUNT, posix.normalize(`/${path}`));
}
