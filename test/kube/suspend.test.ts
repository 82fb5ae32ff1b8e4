// Suspending a Job is how Berth preempts and ends windows: the Job controller must delete the
// Job's running pods (kwok then stops them the way a kubelet would) and free their GPUs.
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { waitFor } from "../cluster/wait.ts";
import { gpuJob, jobCondition } from "./support/jobs.ts";
import { useNamespace } from "./support/namespace.ts";
import { jobPods, waitForJobPods } from "./support/pods.ts";

describe("suspending a Job", () => {
  const ns = useNamespace("suspend");

  it("deletes its running pods and marks it Suspended", async () => {
    // No sim-duration: the simulated runs go on until something stops them.
    await ns.batch.createNamespacedJob({
      namespace: ns.name,
      body: gpuJob({ name: "long-run", gpus: 2, parallelism: 2, tolerateManaged: true }),
    });
    await waitForJobPods(
      ns.core,
      ns.name,
      "long-run",
      "to run",
      (pods) => pods.length === 2 && pods.every((p) => p.status?.phase === "Running"),
    );

    await ns.batch.patchNamespacedJob(
      { name: "long-run", namespace: ns.name, body: { spec: { suspend: true } } },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );

    await waitForJobPods(ns.core, ns.name, "long-run", "to be deleted", (pods) => pods.length === 0);
    const job = await waitFor("Job long-run to be Suspended", async () => {
      const j = await ns.batch.readNamespacedJob({ name: "long-run", namespace: ns.name });
      return jobCondition(j, "Suspended") ? j : undefined;
    });
    expect(job.status?.active ?? 0).toBe(0);
    expect(jobCondition(job, "Failed")).toBeUndefined();
    expect(await jobPods(ns.core, ns.name, "long-run")).toEqual([]);
  });
});
