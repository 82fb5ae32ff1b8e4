// The ReadWriteMany volume for datasets and checkpoints: a static PV pre-bound to the claim
// berth-shared (no provisioner in the test cluster) that Jobs mount across nodes.
import { KubernetesObjectApi } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { sharedClaimName, sharedVolume, sharedVolumeName } from "../cluster/shared-volume.ts";
import { waitFor } from "../cluster/wait.ts";
import { gpuJob, jobCondition } from "./support/jobs.ts";
import { useNamespace } from "./support/namespace.ts";

describe("the shared ReadWriteMany volume", () => {
  const ns = useNamespace("shared");

  beforeAll(async () => {
    const objects = KubernetesObjectApi.makeApiClient(ns.config);
    for (const object of sharedVolume(ns.name, `${inject("clusterDir")}/shared/${ns.name}`)) {
      await objects.create(object);
    }
  });
  afterAll(async () => {
    await ns.core.deletePersistentVolume({ name: sharedVolumeName(ns.name) });
  });

  it("is pre-provisioned for the default namespace by cluster:up", async () => {
    const claim = await ns.core.readNamespacedPersistentVolumeClaim({
      name: sharedClaimName,
      namespace: "default",
    });
    expect(claim.spec?.accessModes).toEqual(["ReadWriteMany"]);
    await waitFor("the default claim to be Bound", async () => {
      const c = await ns.core.readNamespacedPersistentVolumeClaim({
        name: sharedClaimName,
        namespace: "default",
      });
      return c.status?.phase === "Bound";
    });
  });

  it("binds the claim and lets Jobs on two nodes mount it at once", async () => {
    await waitFor("the claim to be Bound", async () => {
      const c = await ns.core.readNamespacedPersistentVolumeClaim({
        name: sharedClaimName,
        namespace: ns.name,
      });
      return c.status?.phase === "Bound";
    });
    // 8 GPUs each: two pods cannot share a V100 node, so the volume is used from two nodes.
    await ns.batch.createNamespacedJob({
      namespace: ns.name,
      body: gpuJob({
        name: "two-nodes",
        gpus: 8,
        parallelism: 2,
        durationSeconds: 1,
        tolerateManaged: true,
        claimName: sharedClaimName,
      }),
    });
    const job = await waitFor("Job two-nodes to complete", async () => {
      const j = await ns.batch.readNamespacedJob({ name: "two-nodes", namespace: ns.name });
      return jobCondition(j, "Complete") ? j : undefined;
    });
    expect(job.status?.succeeded).toBe(2);
  });
});
