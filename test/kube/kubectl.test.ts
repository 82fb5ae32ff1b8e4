// kubectl users: the kubectl linked at .berth/bin/kubectl talks to the test cluster with the
// admin kubeconfig at .berth/kubeconfig; get, apply and delete behave as on a real cluster.
import { describe, expect, it } from "vitest";
import { waitFor } from "../cluster/wait.ts";
import { kubectl } from "./support/kubectl.ts";
import { useNamespace } from "./support/namespace.ts";
import { jobPods } from "./support/pods.ts";

const manifest = (namespace: string) => `
apiVersion: batch/v1
kind: Job
metadata:
  name: from-kubectl
  namespace: ${namespace}
  labels:
    berth.dev/queue: default
spec:
  backoffLimit: 0
  template:
    metadata:
      annotations:
        berth.dev/sim-duration: "600"
    spec:
      restartPolicy: Never
      tolerations:
        - { key: berth.dev/managed, operator: Equal, value: "true", effect: NoSchedule }
      containers:
        - name: train
          image: berth.invalid/sim:1
          resources:
            limits: { nvidia.com/gpu: "1" }
`;

describe("kubectl against the test cluster", () => {
  const ns = useNamespace("kubectl");

  it("gets the simulated GPU nodes with their GPU feature discovery labels", async () => {
    const result = await kubectl(["get", "nodes", "-l", "nvidia.com/gpu.product=Tesla-T4", "-o", "json"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const nodes = JSON.parse(result.stdout).items as {
      metadata: { name: string; labels: Record<string, string> };
      status: { allocatable: Record<string, string> };
    }[];
    expect(nodes.map((n) => n.metadata.name).sort()).toEqual(["t4-0", "t4-1"]);
    for (const node of nodes) {
      expect(node.status.allocatable["nvidia.com/gpu"]).toBe("4");
      expect(node.metadata.labels).toMatchObject({
        "nvidia.com/gpu.count": "4",
        "nvidia.com/gpu.memory": "15360",
        "nvidia.com/gpu.compute.major": "7",
        "nvidia.com/gpu.compute.minor": "5",
      });
    }
  });

  it("applies a Job manifest, reports a re-apply as unchanged, and the Job runs", async () => {
    const first = await kubectl(["apply", "-f", "-"], manifest(ns.name));
    expect(first.stdout.trim()).toBe("job.batch/from-kubectl created");
    const again = await kubectl(["apply", "-f", "-"], manifest(ns.name));
    expect(again.stdout.trim()).toBe("job.batch/from-kubectl unchanged");
    await waitFor("the applied Job's pod to run", async () => {
      const pods = await jobPods(ns.core, ns.name, "from-kubectl");
      return pods.some((p) => p.status?.phase === "Running");
    });
    const got = await kubectl(["-n", ns.name, "get", "job", "from-kubectl", "-o", "json"]);
    expect(got.code).toBe(0);
    expect(JSON.parse(got.stdout).metadata.labels).toEqual({ "berth.dev/queue": "default" });
  });

  it("deletes the Job, and its pods go with it", async () => {
    const deleted = await kubectl(["-n", ns.name, "delete", "job", "from-kubectl", "--wait=true"]);
    expect(deleted.stdout.trim()).toBe(`job.batch "from-kubectl" deleted from ${ns.name} namespace`);
    const missing = await kubectl(["-n", ns.name, "get", "job", "from-kubectl"]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("NotFound");
    await waitFor("the deleted Job's pods to be gone", async () => {
      return (await jobPods(ns.core, ns.name, "from-kubectl")).length === 0;
    });
  });

  it("refuses an unknown resource kind with a clear error", async () => {
    const result = await kubectl(["-n", ns.name, "get", "gpuslots"]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('the server doesn\'t have a resource type "gpuslots"');
  });
});
