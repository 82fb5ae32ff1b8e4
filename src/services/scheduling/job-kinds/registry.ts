// Every job kind by name: the API checks a submitted spec here, and the scheduling cycle turns an
// admitted run into what the executor launches here.
import { type FieldError, invalid } from "../../../basics/domain-error.ts";
import type { Pool } from "../../../core/types.ts";
import type { RunSpec } from "../../ports.ts";
import { externalKind } from "./external.ts";
import type { JobKind, JobKindName, JobKindSettings, LaunchTarget } from "./job-kind.ts";
import { trainKind } from "./train.ts";
import { validateKind } from "./validate.ts";

export const JOB_KINDS: Readonly<Record<JobKindName, JobKind<never>>> = {
  train: trainKind as JobKind<never>,
  validate: validateKind as JobKind<never>,
  external: externalKind as JobKind<never>,
};

/** The spec as its kind's schema reads it; a 422 naming each bad field (`spec.epochs`) otherwise. */
export function checkJobSpec(kind: JobKindName, spec: unknown): Record<string, unknown> {
  const parsed = JOB_KINDS[kind].spec.safeParse(spec);
  if (parsed.success) return parsed.data as Record<string, unknown>;
  throw invalid(
    parsed.error.issues.flatMap((i) => {
      if (i.code === "unrecognized_keys")
        return i.keys.map((k) => ({
          field: ["spec", ...i.path, k].join("."),
          message: `unknown field for a ${kind} job`,
        }));
      return [{ field: ["spec", ...i.path].map(String).join("."), message: i.message }];
    }),
  );
}

/** A shape the kind cannot use in the pool, as a field error on `gpus` (none when it can). */
export function kindGpuError(kind: JobKindName, pool: Pool, gpus: number): FieldError | undefined {
  const most = JOB_KINDS[kind].maxGpus?.(pool);
  return most && gpus > most.gpus
    ? { field: "gpus", message: `at most ${most.gpus}: ${most.why}` }
    : undefined;
}

/**
 * What a run of the job executes. Undefined for a spec its kind's schema refuses: such a spec was
 * stored before kinds checked specs at submission, and the executor reads it as it always did.
 */
export function runSpecOf(
  kind: JobKindName,
  spec: unknown,
  target: LaunchTarget,
  settings: JobKindSettings,
): RunSpec | undefined {
  const k = JOB_KINDS[kind];
  const parsed = k.spec.safeParse(spec);
  return parsed.success ? k.run(parsed.data, target, settings) : undefined;
}
