// The one small interface every job kind implements (train, validate, external): the schema its
// `spec` must meet when the job is submitted, and how an admitted run of it becomes what the
// executor launches. Adding a kind is one file here and one line in registry.ts.
import type { z } from "zod";
import type { Pool } from "../../../core/types.ts";
import type { RunSpec } from "../../ports.ts";

export type JobKindName = "train" | "validate" | "external";

/** Where and as what one run of a job goes: known once the core has placed it. */
export interface LaunchTarget {
  readonly job: string;
  readonly attempt: number;
  readonly team: string;
  /** The pool the run was placed in: its compute capability decides AMP, for one. */
  readonly pool: Pool;
  readonly gpus: number;
}

/** What the kinds need from the deployment. */
export interface JobKindSettings {
  /** The image Berth's own Jobs run (`berth validate`): BERTH_IMAGE. */
  readonly berthImage: string;
  /**
   * Embedded mode (no cluster): kinds that can run as a process on Berth's machine say how. The
   * `berth` command line, and a directory for the results such runs leave.
   */
  readonly local?: { readonly berth: readonly string[]; readonly resultDir: string };
}

export interface JobKind<Spec> {
  readonly name: JobKindName;
  /** Checked at submission (422 naming `spec.<field>`), never first at launch. */
  readonly spec: z.ZodType<Spec>;
  /**
   * The most GPUs one job of the kind may ask for in a pool (checked at submission too); absent:
   * any shape the pool can place.
   */
  maxGpus?(pool: Pool): { readonly gpus: number; readonly why: string };
  run(spec: Spec, target: LaunchTarget, settings: JobKindSettings): RunSpec;
}
