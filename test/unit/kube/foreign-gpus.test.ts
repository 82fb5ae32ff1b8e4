// GPUs held by pods Berth does not manage count as taken on their node (docs/rules.md §5); Berth's
// own runs and the kubectl Jobs it admitted (they tolerate the managed taint) are not counted.
import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { foreignGpusByNode } from "../../../src/adapters/kube/foreign-gpus.ts";

function pod(o: {
  node?: string;
  gpus?: number;
  phase?: string;
  labels?: Record<string, string>;
  tolerateManaged?: boolean;
}): V1Pod {
  return {
    metadata: { name: "p", labels: o.labels ?? {} },
    spec: {
      ...(o.node ? { nodeName: o.node } : {}),
      containers: [
        { name: "c", resources: o.gpus ? { limits: { "nvidia.com/gpu": String(o.gpus) } } : {} },
        { name: "sidecar" },
      ],
      ...(o.tolerateManaged
        ? {
            tolerations: [
              { key: "berth.dev/managed", operator: "Equal", value: "true", effect: "NoSchedule" },
            ],
          }
        : { tolerations: [{ operator: "Exists" }] }),
    },
    status: { phase: o.phase ?? "Running" },
  };
}

describe("foreignGpusByNode", () => {
  it("sums the GPUs of unmanaged pods bound to each node", () => {
    const byNode = foreignGpusByNode([
      pod({ node: "v100-0", gpus: 2 }),
      pod({ node: "v100-0", gpus: 1, phase: "Pending" }),
      pod({ node: "v100-1", gpus: 4 }),
    ]);
    expect([...byNode]).toEqual([
      ["v100-0", 3],
      ["v100-1", 4],
    ]);
  });

  it("leaves out Berth's runs, kubectl Jobs it admitted, finished, unbound and GPU-less pods", () => {
    const byNode = foreignGpusByNode([
      pod({ node: "v100-0", gpus: 2, labels: { "berth.dev/job": "j-1" } }),
      pod({ node: "v100-0", gpus: 2, tolerateManaged: true }),
      pod({ node: "v100-0", gpus: 2, phase: "Succeeded" }),
      pod({ node: "v100-0", gpus: 2, phase: "Failed" }),
      pod({ gpus: 2, phase: "Pending" }),
      pod({ node: "v100-0" }),
    ]);
    expect([...byNode]).toEqual([]);
  });
});
