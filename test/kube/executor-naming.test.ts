// The pure parts of the Kubernetes adapter: Job names from (job, attempt), node quantities, the
// inventory read from Node objects, and what a Job's status means for its run.
import type { V1Job, V1Node } from "@kubernetes/client-node";
import { describe, expect, inject, it } from "vitest";
import { inventoryFromNodes } from "../../src/adapters/kube/inventory.ts";
import { kubeConfigFromEnvironment } from "../../src/adapters/kube/kube-config.ts";
import { cpuMillis, memoryMiB } from "../../src/adapters/kube/quantity.ts";
import { runStatus } from "../../src/adapters/kube/run-status.ts";
import { runJobName } from "../../src/basics/job-names.ts";

describe("Job names of runs", () => {
  it.each([
    ["j-abc123", 1, "berth-j-abc123-1"],
    ["j-abc123", 12, "berth-j-abc123-12"],
  ])("names run %s attempt %i %s", (job, attempt, name) => {
    expect(runJobName(job, attempt)).toBe(name);
  });

  it("keeps long or unusual ids within 63 characters and apart from each other", () => {
    const long = `j-${"x".repeat(80)}`;
    const names = [
      runJobName(long, 1),
      runJobName(`${long}y`, 1),
      runJobName("J_Upper", 1),
      runJobName("j-upper", 1),
    ];
    for (const n of names) expect(n).toMatch(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe("node quantities", () => {
  it.each([
    ["64", 64_000],
    ["500m", 500],
    ["1.5", 1_500],
    ["lots", undefined],
  ])("reads CPU %s as %s millicores", (q, m) => {
    expect(cpuMillis(q)).toBe(m);
  });

  it.each([
    ["512Gi", 524_288],
    ["1024Mi", 1_024],
    ["2G", 1_907],
    ["3x", undefined],
  ])("reads memory %s as %s MiB", (q, m) => {
    expect(memoryMiB(q)).toBe(m);
  });
});

const node = (
  name: string,
  labels: Record<string, string>,
  gpus: string | undefined,
  ready = true,
): V1Node => ({
  metadata: { name, labels },
  status: {
    allocatable: gpus === undefined ? { cpu: "8" } : { cpu: "8", "nvidia.com/gpu": gpus },
    conditions: [{ type: "Ready", status: ready ? "True" : "False" }],
  },
});

describe("inventory from nodes", () => {
  it("leaves out nodes without GPUs and names unlabelled pools by product", () => {
    const a100 = { "nvidia.com/gpu.product": "A100", "nvidia.com/gpu.compute.major": "8" };
    const inv = inventoryFromNodes([
      node("cpu-0", {}, undefined),
      node("gpu-0", a100, "8"),
      node("gpu-1", a100, "8", false),
      node("gpu-2", { "nvidia.com/gpu.product": "A100" }, "0"),
    ]);
    expect(inv.pools).toEqual([
      { name: "A100", product: "A100", computeCapability: "8.0", gpusPerNode: 8, cpuMilliPerGpu: 1000 },
    ]);
    expect(inv.nodes).toEqual([
      { name: "gpu-0", pool: "A100", gpus: 8, up: true },
      { name: "gpu-1", pool: "A100", gpus: 8, up: false },
    ]);
  });
});

const job = (spec: V1Job["spec"], status: V1Job["status"]): V1Job => ({ spec: spec!, status: status! });
const cond = (type: string) => ({ type, status: "True" });

describe("what a Job's status says about its run", () => {
  it.each<[string, V1Job, string | undefined]>([
    ["pending", job({ template: {} }, { active: 1 }), undefined],
    ["running", job({ template: {} }, { active: 1, ready: 1 }), "running"],
    ["half of a two-node run", job({ parallelism: 2, template: {} }, { active: 2, ready: 1 }), undefined],
    ["complete", job({ template: {} }, { conditions: [cond("Complete")] }), "succeeded"],
    ["failed", job({ template: {} }, { conditions: [cond("Failed")] }), "failed"],
    [
      "suspending",
      job({ suspend: true, template: {} }, { terminating: 1, conditions: [cond("Suspended")] }),
      undefined,
    ],
    [
      "suspended, pods gone",
      job({ suspend: true, template: {} }, { conditions: [cond("Suspended")] }),
      "stopped",
    ],
  ])("%s", (_, j, type) => {
    expect(runStatus(j).type).toBe(type);
  });
});

describe("credentials from the environment", () => {
  it("reads the kubeconfig KUBECONFIG names", () => {
    const config = kubeConfigFromEnvironment({ KUBECONFIG: `/nonexistent:${inject("kubeconfig")}` });
    expect(config?.getCurrentCluster()?.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it("finds nothing when neither KUBECONFIG nor ~/.kube/config exists", () => {
    expect(
      kubeConfigFromEnvironment({ KUBECONFIG: "/nonexistent/kubeconfig" }, "/nonexistent"),
    ).toBeUndefined();
  });
});
