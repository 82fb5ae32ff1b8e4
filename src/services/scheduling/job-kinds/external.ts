// `external`: the user's own image, as they would write its container (docs/rules.md §4). Environment
// variables may come from a Secret of the team's namespace; the job rules (job-rules.ts) refuse
// device variables and annotations off the allow-list.
import { z } from "zod";
import type { RunEnv } from "../../ports.ts";
import type { JobKind } from "./job-kind.ts";
import { annotationRefusal, deviceEnvRefusal } from "./job-rules.ts";
import { Image, SimulationFields } from "./spec-fields.ts";

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A key of a Secret in the run's namespace (the team's): a Secret name and a data key as Kubernetes spells them. */
const SecretRef = z.strictObject({
  secret: z
    .string()
    .max(253)
    .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, "a Secret name (lower-case DNS subdomain)"),
  key: z
    .string()
    .max(253)
    .regex(/^[-._a-zA-Z0-9]+$/, "a Secret data key"),
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
      const refusal = ENV_NAME.test(name) ? deviceEnvRefusal(name) : "not a valid environment variable name";
      if (refusal) ctx.addIssue({ code: "custom", path: ["env", name], message: refusal });
    }
    for (const key of Object.keys(spec.annotations ?? {})) {
      const refusal = annotationRefusal(key);
      if (refusal) ctx.addIssue({ code: "custom", path: ["annotations", key], message: refusal });
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
