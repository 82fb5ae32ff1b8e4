// The patch that admits a kubectl user's Job: Berth's toleration added once (the user's own kept),
// the pods pinned to the planned nodes, the Berth job and attempt noted, the Job unsuspended.
import type { V1Job } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { admissionPatch } from "../../../src/adapters/kube/kubectl-job-control.ts";
import { priorityOfClass } from "../../../src/services/admission/kubectl-jobs.ts";

const userJob = (tolerations: object[]): V1Job => ({
  spec: { template: { spec: { containers: [{ name: "main" }], tolerations } } },
});
const managed = { key: "berth.dev/managed", operator: "Equal", value: "true", effect: "NoSchedule" };

describe("the patch that admits a kubectl user's Job", () => {
  it("adds the managed toleration to the user's own, pins the pods to the planned nodes and unsuspends the Job", () => {
    const own = { key: "team.example/spot", operator: "Exists" };
    const patch = admissionPatch(userJob([own]), {
      job: "j-1",
      attempt: 2,
      placement: [
        { node: "v100-1", gpus: [0, 1, 2, 3, 4, 5, 6, 7] },
        { node: "v100-2", gpus: [0, 1, 2, 3, 4, 5, 6, 7] },
      ],
    });
    expect(patch).toEqual({
      metadata: { labels: { "berth.dev/job": "j-1" }, annotations: { "berth.dev/attempt": "2" } },
      spec: {
        suspend: false,
        template: {
          spec: {
            tolerations: [own, managed],
            affinity: {
              nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                  nodeSelectorTerms: [
                    {
                      matchExpressions: [
                        { key: "kubernetes.io/hostname", operator: "In", values: ["v100-1", "v100-2"] },
                      ],
                    },
                  ],
                },
              },
            },
          },
        },
      },
    });
  });

  it("keeps one managed toleration when the Job already had Berth's from an earlier admission", () => {
    const patch = admissionPatch(userJob([managed]), {
      job: "j-1",
      attempt: 3,
      placement: [{ node: "t4-0", gpus: [2] }],
    });
    expect(patch.spec.template.spec.tolerations).toEqual([managed]);
  });
});

describe("the priority of a kubectl user's Job", () => {
  it.each([
    ["berth-critical", "critical"],
    ["berth-best-effort", "best-effort"],
    [null, "normal"],
    ["system-cluster-critical", "normal"],
  ] as const)("from priorityClassName %s is %s", (name, priority) => {
    expect(priorityOfClass(name)).toBe(priority);
  });
});
