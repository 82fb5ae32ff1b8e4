// The Job a launch order becomes when its kind made its run: per pool, the training run's AMP, its
// trainer ConfigMap, the shared volume and /dev/shm; secrets by reference; the termination message
// Berth reads a validation's verdict from.
import { describe, expect, it } from "vitest";
import { buildRunJob } from "../../../src/adapters/kube/job-manifest.ts";
import type { Pool } from "../../../src/core/types.ts";
import type { LaunchOrder } from "../../../src/services/ports.ts";
import { runSpecOf } from "../../../src/services/scheduling/job-kinds/registry.ts";
import { KIND_SETTINGS, TRAIN_SPEC } from "../scheduling/kind-fixtures.ts";

const settings = KIND_SETTINGS;
const TRAIN = TRAIN_SPEC;

function order(
  kind: LaunchOrder["kind"],
  spec: Record<string, unknown>,
  pool: Pool,
  gpus: number,
): LaunchOrder {
  const run = runSpecOf(kind, spec, { job: "j-9", attempt: 2, team: "vision", pool, gpus }, settings);
  return {
    job: "j-9",
    attempt: 2,
    kind,
    team: "vision",
    placement: [{ node: `${pool.name.toLowerCase()}-0`, gpus: Array.from({ length: gpus }, (_, i) => i) }],
    spec,
    priority: "high",
    ...(run ? { run } : {}),
  };
}
const manifest = (o: LaunchOrder) =>
  buildRunJob(o, { namespace: "team-vision", terminationGracePeriodSeconds: 60 });
const pods = (o: LaunchOrder) => manifest(o).spec!.template.spec!;

describe.each([
  [{ name: "v100", product: "Tesla-V100", computeCapability: "7.0", gpusPerNode: 8 }, "amp=True"],
  [{ name: "t4", product: "Tesla-T4", computeCapability: "7.5", gpusPerNode: 4 }, "amp=True"],
  [{ name: "p100", product: "Tesla-P100", computeCapability: "6.0", gpusPerNode: 4 }, "amp=False"],
] as const)("a train run on %o", (pool, amp) => {
  it(`trains with ${amp}, mounting the trainer, the shared volume and a memory /dev/shm`, () => {
    const pod = pods(order("train", TRAIN, pool, 4));
    const c = pod.containers[0]!;
    expect(c.args).toContain(amp);
    expect(c.args).toContain("device=0,1,2,3");
    expect(c.volumeMounts).toEqual([
      { name: "workspace", mountPath: "/workspace" },
      { name: "dshm", mountPath: "/dev/shm" },
      { name: "config-0", mountPath: "/opt/berth", readOnly: true },
    ]);
    expect(pod.volumes).toEqual([
      { name: "workspace", persistentVolumeClaim: { claimName: "berth-shared" } },
      { name: "dshm", emptyDir: { medium: "Memory", sizeLimit: "4096Mi" } },
      { name: "config-0", configMap: { name: "berth-trainer" } },
    ]);
    expect(manifest(order("train", TRAIN, pool, 4)).spec!.template.metadata!.annotations).toMatchObject({
      "berth.dev/amp": amp === "amp=True" ? "true" : "false",
    });
  });
});

describe("other runs", () => {
  const v100: Pool = { name: "v100", product: "Tesla-V100", computeCapability: "7.0", gpusPerNode: 8 };

  it("runs a validation in Berth's image, leaving its verdict in the termination message", () => {
    const c = pods(order("validate", { fp32: "a.onnx", fp16: "b.onnx", data: "val" }, v100, 1))
      .containers[0]!;
    expect([c.image, c.command, c.args?.slice(0, 3)]).toEqual([
      settings.berthImage,
      ["berth"],
      ["validate", "--model", "/workspace/a.onnx"],
    ]);
    expect(c.terminationMessagePolicy).toBe("File");
    expect(c.resources?.limits).toEqual({ "nvidia.com/gpu": "1" });
  });

  it("passes an external job's secret variables by reference, never by value", () => {
    const c = pods(
      order("external", { image: "busybox:1.36", env: { T: { secret: "hub", key: "token" } } }, v100, 1),
    ).containers[0]!;
    expect(c.env).toEqual([{ name: "T", valueFrom: { secretKeyRef: { name: "hub", key: "token" } } }]);
    expect(c.volumeMounts).toBeUndefined();
  });

  it("still reads a spec stored before kinds checked specs as it always did", () => {
    const o = order("train", { image: "busybox:1.36", args: ["true"] }, v100, 1);
    expect(o.run).toBeUndefined();
    const c = pods(o).containers[0]!;
    expect([c.image, c.args]).toEqual(["busybox:1.36", ["true"]]);
  });
});

describe("the hardened pod of every run", () => {
  const v100: Pool = { name: "v100", product: "Tesla-V100", computeCapability: "7.0", gpusPerNode: 8 };
  const runs = [
    ["train", order("train", TRAIN, v100, 2), undefined],
    ["validate", order("validate", { fp32: "a.onnx", fp16: "b.onnx", data: "val" }, v100, 1), true],
    ["external", order("external", { image: "busybox:1.36" }, v100, 1), undefined],
    [
      "a spec stored before kinds",
      order("train", { image: "busybox:1.36", args: ["true"] }, v100, 1),
      undefined,
    ],
  ] as const;

  it.each(runs)(
    "runs a %s pod without privilege escalation or capabilities, under RuntimeDefault seccomp, without a ServiceAccount token",
    (_kind, o, nonRoot) => {
      const pod = pods(o);
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(pod.securityContext).toEqual({
        seccompProfile: { type: "RuntimeDefault" },
        ...(nonRoot ? { runAsNonRoot: true } : {}),
      });
      for (const c of pod.containers)
        expect(c.securityContext).toEqual({
          allowPrivilegeEscalation: false,
          capabilities: { drop: ["ALL"] },
          privileged: false,
        });
    },
  );
});
