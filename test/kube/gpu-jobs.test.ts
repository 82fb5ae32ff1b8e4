// GPU Jobs on the real control plane: kube-scheduler places them on kwok's simulated GPU nodes by
// nvidia.com/gpu, the Job controller tracks them, and kwok plays the run as its annotations ask.
import { describe, expect, it } from "vitest";
import { waitFor } from "../cluster/wait.ts";
import { gpuJob, jobCondition, podCondition } from "./support/jobs.ts";
import { useNamespace } from "./support/namespace.ts";
import { waitForJobPods } from "./support/pods.ts";

const v100 = { "nvidia.com/gpu.product": "Tesla-V100-SXM2-32GB" };

describe("GPU Jobs on simulated nodes", () => {
  const ns = useNamespace("gpu-jobs");

  async function awaitJob(name: string, type: "Complete" | "Failed") {
    return waitFor(`Job ${name} to be ${type}`, async () => {
      const job = await ns.batch.readNamespacedJob({ name, namespace: ns.name });
      return jobCondition(job, type) ? job : undefined;
    });
  }

  it("schedules a Job asking for 4 GPUs onto a V100 node, runs it and records success", async () => {
    await ns.batch.createNamespacedJob({
      namespace: ns.name,
      body: gpuJob({
        name: "four-gpus",
        gpus: 4,
        durationSeconds: 3,
        tolerateManaged: true,
        nodeSelector: v100,
      }),
    });
    const [running] = await waitForJobPods(ns.core, ns.name, "four-gpus", "to run", (pods) =>
      pods.some((p) => p.status?.phase === "Running"),
    );
    const node = await ns.core.readNode({ name: running!.spec!.nodeName! });
    expect(node.metadata?.labels?.["nvidia.com/gpu.product"]).toBe("Tesla-V100-SXM2-32GB");
    expect(node.metadata?.labels?.["nvidia.com/gpu.compute.major"]).toBe("7");
    expect(node.metadata?.labels?.["nvidia.com/gpu.compute.minor"]).toBe("0");

    const job = await awaitJob("four-gpus", "Complete");
    expect(job.status?.succeeded).toBe(1);
    const [pod] = await waitForJobPods(ns.core, ns.name, "four-gpus", "to succeed", (pods) =>
      pods.every((p) => p.status?.phase === "Succeeded"),
    );
    const terminated = pod?.status?.containerStatuses?.[0]?.state?.terminated;
    expect(terminated?.exitCode).toBe(0);
    // It ran for its berth.dev/sim-duration (timestamps have whole seconds).
    const ranMs = terminated!.finishedAt!.getTime() - terminated!.startedAt!.getTime();
    expect(ranMs).toBeGreaterThanOrEqual(2_000);
  });

  it("leaves a Job asking for more GPUs than any node has Pending, marked unschedulable", async () => {
    await ns.batch.createNamespacedJob({
      namespace: ns.name,
      body: gpuJob({ name: "too-big", gpus: 16, durationSeconds: 1, tolerateManaged: true }),
    });
    const [pod] = await waitForJobPods(ns.core, ns.name, "too-big", "to be found unschedulable", (pods) =>
      pods.some((p) => podCondition(p, "PodScheduled")?.reason === "Unschedulable"),
    );
    expect(pod?.status?.phase).toBe("Pending");
    expect(pod?.spec?.nodeName).toBeUndefined();
    expect(podCondition(pod!, "PodScheduled")?.message).toContain("Insufficient nvidia.com/gpu");
    const events = await waitFor("the scheduler's FailedScheduling event", async () => {
      const list = await ns.core.listNamespacedEvent({
        namespace: ns.name,
        fieldSelector: `involvedObject.name=${pod!.metadata!.name},reason=FailedScheduling`,
      });
      return list.items.length > 0 ? list.items : undefined;
    });
    expect(events[0]?.message).toContain("Insufficient nvidia.com/gpu");
    const job = await ns.batch.readNamespacedJob({ name: "too-big", namespace: ns.name });
    expect(job.status?.active).toBe(1);
    expect(jobCondition(job, "Complete")).toBeUndefined();
  });

  it("fails a Job whose simulated run exits with the requested code", async () => {
    await ns.batch.createNamespacedJob({
      namespace: ns.name,
      body: gpuJob({ name: "exits-3", gpus: 1, exitCode: 3, durationSeconds: 0.5, tolerateManaged: true }),
    });
    const job = await awaitJob("exits-3", "Failed");
    expect(job.status?.failed).toBe(1);
    const [pod] = await waitForJobPods(ns.core, ns.name, "exits-3", "to fail", (pods) =>
      pods.some((p) => p.status?.phase === "Failed"),
    );
    expect(pod?.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(3);
  });
});
