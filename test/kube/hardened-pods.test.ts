// The API server's own Pod Security admission judges the pods of Berth's Jobs: a `validate` pod
// (Berth's image, non-root) meets the `restricted` profile; `train` and `external` pods (users'
// images, which may run as root) meet `baseline`, which team namespaces enforce (k8s/team), and under
// `restricted` the only objection left to them is runAsNonRoot. The pods are created as the Job
// controller would create them, with a server-side dry run, so admission runs and nothing schedules.
import { PatchStrategy, setHeaderOptions, type V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { buildRunJob } from "../../src/adapters/kube/job-manifest.ts";
import type { LaunchOrder } from "../../src/services/ports.ts";
import { runSpecOf } from "../../src/services/scheduling/job-kinds/registry.ts";
import { gpuPool, KIND_SETTINGS, TRAIN_SPEC } from "../unit/scheduling/kind-fixtures.ts";
import { type TestNamespace, useNamespace } from "./support/namespace.ts";

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
const T4 = gpuPool("t4", "7.5", 4);

function podOf(kind: LaunchOrder["kind"], spec: Record<string, unknown>, namespace: string): V1Pod {
  const run = runSpecOf(
    kind,
    spec,
    { job: `j-${kind}`, attempt: 1, team: "vision", pool: T4, gpus: 1 },
    KIND_SETTINGS,
  );
  const job = buildRunJob(
    {
      job: `j-${kind}`,
      attempt: 1,
      kind,
      team: "vision",
      placement: [{ node: "t4-0", gpus: [0] }],
      spec,
      ...(run ? { run } : {}),
    },
    { namespace, terminationGracePeriodSeconds: 30 },
  );
  const template = job.spec!.template;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: `${job.metadata!.name}-pod`, namespace, labels: template.metadata?.labels ?? {} },
    spec: template.spec!,
  };
}

const KINDS = [
  ["validate", { fp32: "a.onnx", fp16: "b.onnx", data: "val" }],
  ["train", TRAIN_SPEC],
  ["external", { image: "busybox:1.36", env: { T: { secret: "hub", key: "token" } } }],
] as const;

async function enforce(ns: TestNamespace, level: "restricted" | "baseline") {
  await ns.core.patchNamespace(
    { name: ns.name, body: { metadata: { labels: { "pod-security.kubernetes.io/enforce": level } } } },
    mergePatch,
  );
}

async function admitted(ns: TestNamespace, pod: V1Pod): Promise<string> {
  try {
    await ns.core.createNamespacedPod({ namespace: ns.name, body: pod, dryRun: "All" });
    return "admitted";
  } catch (err) {
    return String((err as { body?: unknown }).body ?? err);
  }
}

describe("Berth's pods under Pod Security admission", () => {
  const restricted = useNamespace("pss-restricted");
  const baseline = useNamespace("pss-baseline");

  it("admits a validate pod under restricted", async () => {
    await enforce(restricted, "restricted");
    expect(await admitted(restricted, podOf("validate", KINDS[0][1], restricted.name))).toBe("admitted");
  });

  it.each(KINDS)("admits a %s pod under baseline (team namespaces)", async (kind, spec) => {
    await enforce(baseline, "baseline");
    expect(await admitted(baseline, podOf(kind, spec, baseline.name))).toBe("admitted");
  });

  it.each(KINDS.slice(1))(
    "objects to a %s pod under restricted only that it may run as root",
    async (kind, spec) => {
      await enforce(restricted, "restricted");
      const answer = await admitted(restricted, podOf(kind, spec, restricted.name));
      expect(answer).toContain("violates PodSecurity");
      expect(answer).toContain("runAsNonRoot != true");
      expect(answer).not.toMatch(/allowPrivilegeEscalation|unrestricted capabilities|seccompProfile/);
    },
  );
});
