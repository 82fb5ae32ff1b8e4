// The managed-node taint: GPU nodes under Berth (taint: true in the pool config) take only pods
// that tolerate berth.dev/managed=true:NoSchedule; a pool configured without the taint takes any.
import { CoreV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gpuNode, isUsable, nodeName } from "../cluster/gpu-node.ts";
import { loadPools } from "../cluster/pool-config.ts";
import { waitFor } from "../cluster/wait.ts";
import { gpuJob, podCondition } from "./support/jobs.ts";
import { adminConfig, useNamespace } from "./support/namespace.ts";
import { waitForJobPods } from "./support/pods.ts";

describe("the berth.dev/managed taint", () => {
  const ns = useNamespace("taints");
  const core = adminConfig().makeApiClient(CoreV1Api);
  // A one-node pool built from the default T4 pool with the taint switched off in its config.
  let openNode = "";

  beforeAll(async () => {
    const t4 = (await loadPools()).find((p) => p.name === "t4")!;
    const open = { ...t4, name: `open-t4-${ns.name.slice(-6)}`, nodes: 1, taint: false };
    openNode = nodeName(open, 0);
    await core.createNode({ body: gpuNode(open, 0) });
    await waitFor(`node ${openNode} to be Ready and usable`, async () =>
      isUsable(await core.readNode({ name: openNode })),
    );
  });
  afterAll(async () => {
    if (openNode) await core.deleteNode({ name: openNode });
  });

  const onNode = (name: string) => ({ "kubernetes.io/hostname": name });

  it("keeps a pod without the toleration off a tainted GPU node", async () => {
    const node = await core.readNode({ name: "v100-0" });
    expect(node.spec?.taints).toContainEqual({
      key: "berth.dev/managed",
      value: "true",
      effect: "NoSchedule",
    });
    await ns.batch.createNamespacedJob({
      namespace: ns.name,
      body: gpuJob({ name: "intruder", gpus: 1, nodeSelector: onNode("v100-0") }),
    });
    const [pod] = await waitForJobPods(ns.core, ns.name, "intruder", "to be refused", (pods) =>
      pods.some((p) => podCondition(p, "PodScheduled")?.reason === "Unschedulable"),
    );
    expect(pod?.spec?.nodeName).toBeUndefined();
    expect(podCondition(pod!, "PodScheduled")?.message).toContain("untolerated taint");
  });

  it("places a pod that tolerates the taint on the tainted GPU node", async () => {
    await ns.batch.createNamespacedJob({
      namespace: ns.name,
      body: gpuJob({ name: "admitted", gpus: 1, tolerateManaged: true, nodeSelector: onNode("v100-0") }),
    });
    const [pod] = await waitForJobPods(ns.core, ns.name, "admitted", "to run", (pods) =>
      pods.some((p) => p.status?.phase === "Running"),
    );
    expect(pod?.spec?.nodeName).toBe("v100-0");
  });

  it("places a pod without the toleration on a node of a pool configured without the taint", async () => {
    const node = await core.readNode({ name: openNode });
    expect(node.spec?.taints ?? []).toEqual([]);
    await ns.batch.createNamespacedJob({
      namespace: ns.name,
      body: gpuJob({ name: "open", gpus: 2, nodeSelector: onNode(openNode) }),
    });
    const [pod] = await waitForJobPods(ns.core, ns.name, "open", "to run", (pods) =>
      pods.some((p) => p.status?.phase === "Running"),
    );
    expect(pod?.spec?.nodeName).toBe(openNode);
  });
});
