// The executor under real RBAC: a ServiceAccount granted EXECUTOR_RULES and nothing else can run
// a whole lifecycle (inventory, launch, reports, stop, known), and a refusal by RBAC surfaces as a
// typed `forbidden` error.
import { randomBytes } from "node:crypto";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { discoverInventory } from "../../src/adapters/kube/inventory.ts";
import { KubernetesExecutor } from "../../src/adapters/kube/kubernetes-executor.ts";
import { EXECUTOR_RULES } from "../../src/adapters/kube/rbac.ts";
import { namespaceByTeamLabel } from "../../src/adapters/kube/team-namespaces.ts";
import type { ExecutorEvent } from "../../src/services/ports.ts";
import { waitFor } from "../cluster/wait.ts";
import { launchOrder } from "./support/executor.ts";
import { useNamespace } from "./support/namespace.ts";

describe("the Kubernetes executor under RBAC", () => {
  const ns = useNamespace("executor-rbac");
  const role = `berth-executor-test-${randomBytes(3).toString("hex")}`;
  const team = `team-${randomBytes(3).toString("hex")}`;
  let asBerth: KubeConfig;
  let asNobody: KubeConfig;

  async function tokenConfig(account: string): Promise<KubeConfig> {
    await ns.core.createNamespacedServiceAccount({
      namespace: ns.name,
      body: { metadata: { name: account } },
    });
    const request = await ns.core.createNamespacedServiceAccountToken({
      name: account,
      namespace: ns.name,
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    });
    const config = new KubeConfig();
    config.loadFromClusterAndUser(ns.config.getCurrentCluster()!, {
      name: account,
      token: request.status!.token,
    });
    return config;
  }

  beforeAll(async () => {
    await ns.core.patchNamespace({
      name: ns.name,
      body: [{ op: "add", path: "/metadata/labels/berth.dev~1team", value: team }],
    });
    await ns.rbac.createClusterRole({ body: { metadata: { name: role }, rules: EXECUTOR_RULES } });
    asBerth = await tokenConfig("berth");
    asNobody = await tokenConfig("nobody");
    await ns.rbac.createClusterRoleBinding({
      body: {
        metadata: { name: role },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
        subjects: [{ kind: "ServiceAccount", name: "berth", namespace: ns.name }],
      },
    });
  });
  afterAll(async () => {
    await ns.rbac.deleteClusterRoleBinding({ name: role }).catch(() => {});
    await ns.rbac.deleteClusterRole({ name: role }).catch(() => {});
  });

  it("runs a whole lifecycle with only the rules it declares", async () => {
    // RBAC caches take a moment to see a new binding: the first allowed call is awaited.
    const inventory = await waitFor("the binding to take effect", () =>
      discoverInventory(asBerth.makeApiClient(CoreV1Api)),
    );
    expect(inventory.nodes).toHaveLength(7);
    const errors: Error[] = [];
    const executor = new KubernetesExecutor({
      kubeconfig: asBerth,
      namespace: namespaceByTeamLabel(asBerth.makeApiClient(CoreV1Api)),
      graceSeconds: 5,
      // Watch, list and annotation failures (a missing verb) would land here.
      onError: (e) => errors.push(e),
    });
    const events: ExecutorEvent[] = [];
    const seen = (job: string, type: string) =>
      waitFor(`${type} for ${job}`, () => events.find((e) => e.job === job && e.type === type), {
        intervalMs: 10,
      });
    try {
      executor.onEvent((e) => {
        events.push(e);
      });
      await executor.synced();
      const order = { ...launchOrder({ node: "v100-1", gpus: 8 }), team };
      await executor.launch(order);
      await seen(order.job, "running");
      expect(await executor.known()).toContainEqual(expect.objectContaining({ job: order.job, attempt: 1 }));
      await executor.stop(order.job, 1, Date.now());
      await seen(order.job, "stopped");
    } finally {
      await executor.close();
    }
    // close() waits for the report annotations: none was refused.
    expect(errors).toEqual([]);
  });

  it("turns an RBAC refusal into a forbidden error", async () => {
    const executor = new KubernetesExecutor({ kubeconfig: asNobody, namespace: ns.name });
    try {
      await expect(executor.launch({ ...launchOrder(), team })).rejects.toMatchObject({
        code: "forbidden",
        extra: { kubernetes: { status: 403, reason: "Forbidden" } },
      });
      await expect(discoverInventory(asNobody.makeApiClient(CoreV1Api))).rejects.toMatchObject({
        code: "forbidden",
      });
    } finally {
      await executor.close();
    }
  });
});
