// `external`: the user's own image, as they would write its container (docs/rules.md §4). Environment
// variables may come from a Secret of the team's namespace; the device variables are refused,
// because which GPUs a container sees is the device plugin's business, never the job's.
import { z } from "zod";
import type { RunEnv } from "../../ports.ts";
import type { JobKind } from "./job-kind.ts";
import { Image, SimulationFields } from "./spec-fields.ts";

/** Variables that choose GPUs: setting them would reach past the GPUs Berth placed the run on. */
export const DEVICE_ENV = new Set([
  "CUDA_VISIBLE_DEVICES",
  "NVIDIA_VISIBLE_DEVICES",
  "HIP_VISIBLE_DEVICES",
  "ROCR_VISIBLE_DEVICES",
  "GPU_DEVICE_ORDINAL",
]);
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A Kubernetes annotation key: an optional DNS prefix, then a name of at most 63 characters. */
const ANNOTATION_KEY =
  /^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
/** Berth's own annotations (docs/rules.md §5) are Berth's to set. */
const BERTH_PREFIX = "berth.dev/";

const SecretRef = z.strictObject({
  secret: z.string().min(1).max(253),
  key: z.string().min(1).max(253),
});
const EnvValue = z.union([z.string().max(32_768), SecretRef]);

const ExternalSpec = z
  .strictObject({
    image: Image,
    command: z.array(z.string().max(4096)).max(100).optional(),
    args: z.array(z.string().max(4096)).max(1000).optional(),
    annotations: z.record(z.string(), z.string().max(4096)).optional(),
    env: z.record(z.string(), EnvValue).optional(),
    ...SimulationFields,
  })
  .superRefine((spec, ctx) => {
    for (const name of Object.keys(spec.env ?? {})) {
      if (!ENV_NAME.test(name))
        ctx.addIssue({
          code: "custom",
          path: ["env", name],
          message: "not a valid environment variable name",
        });
      else if (DEVICE_ENV.has(name))
        ctx.addIssue({
          code: "custom",
          path: ["env", name],
          message: "device variables are set by the device plugin for the GPUs Berth placed the run on",
        });
    }
    for (const key of Object.keys(spec.annotations ?? {})) {
      if (!ANNOTATION_KEY.test(key))
        ctx.addIssue({ code: "custom", path: ["annotations", key], message: "not a valid annotation key" });
      else if (key.startsWith(BERTH_PREFIX))
        ctx.addIssue({
          code: "custom",
          path: ["annotations", key],
          message: `${BERTH_PREFIX} annotations are Berth's`,
        });
    }
  });

export type ExternalSpec = z.infer<typeof ExternalSpec>;

export function runEnv(env: ExternalSpec["env"]): RunEnv[] {
  return Object.entries(env ?? {}).map(([name, v]) =>
    typeof v === "string" ? { name, value: v } : { name, ...v },
  );
}

export const externalKind: JobKind<ExternalSpec> = {
  name: "external",
  spec: ExternalSpec,
  run(spec) {
    return {
      image: spec.image,
      ...(spec.command ? { command: spec.command } : {}),
      ...(spec.args ? { args: spec.args } : {}),
      env: runEnv(spec.env),
      annotations: { ...spec.annotations },
    };
  },
};
