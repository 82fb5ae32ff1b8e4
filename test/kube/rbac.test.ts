// Authorization is real RBAC: a ServiceAccount (as Berth's own controller or a team's robot would
// use) may do exactly what its Role grants; any other verb is refused with 403 Forbidden.
import { ApiException, BatchV1Api, KubeConfig } from "@kubernetes/client-node";
import { beforeAll, describe, expect, it } from "vitest";
import { gpuJob } from "./support/jobs.ts";
import { kubectl } from "./support/kubectl.ts";
import { useNamespace } from "./support/namespace.ts";

describe("RBAC for ServiceAccount tokens", () => {
  const ns = useNamespace("rbac");
  let readerJobs: BatchV1Api;

  beforeAll(async () => {
    await ns.core.createNamespacedServiceAccount({
      namespace: ns.name,
      body: { metadata: { name: "job-reader" } },
    });
    await ns.rbac.createNamespacedRole({
      namespace: ns.name,
      body: {
        metadata: { name: "job-reader" },
        rules: [{ apiGroups: ["batch"], resources: ["jobs"], verbs: ["get", "list", "watch"] }],
      },
    });
    await ns.rbac.createNamespacedRoleBinding({
      namespace: ns.name,
      body: {
        metadata: { name: "job-reader" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "job-reader" },
        subjects: [{ kind: "ServiceAccount", name: "job-reader", namespace: ns.name }],
      },
    });
    const request = await ns.core.createNamespacedServiceAccountToken({
      name: "job-reader",
      namespace: ns.name,
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    });
    const cluster = ns.config.getCurrentCluster()!;
    const config = new KubeConfig();
    config.loadFromClusterAndUser(cluster, { name: "job-reader", token: request.status!.token });
    readerJobs = config.makeApiClient(BatchV1Api);
  });

  it("lets the token do what its Role grants", async () => {
    const list = await readerJobs.listNamespacedJob({ namespace: ns.name });
    expect(list.items).toEqual([]);
  });

  it("refuses a verb its Role lacks with 403 Forbidden and creates nothing", async () => {
    const attempt = readerJobs.createNamespacedJob({
      namespace: ns.name,
      body: gpuJob({ name: "sneaky", gpus: 1 }),
    });
    const error = (await attempt.catch((e: unknown) => e)) as ApiException<string>;
    expect(error).toBeInstanceOf(ApiException);
    expect(error.code).toBe(403);
    expect(JSON.parse(error.body).reason).toBe("Forbidden");
    expect((await ns.batch.listNamespacedJob({ namespace: ns.name })).items).toEqual([]);
  });

  it("agrees with kubectl auth can-i", async () => {
    const as = `--as=system:serviceaccount:${ns.name}:job-reader`;
    const list = await kubectl(["-n", ns.name, "auth", "can-i", "list", "jobs.batch", as]);
    expect(list.stdout.trim()).toBe("yes");
    const create = await kubectl(["-n", ns.name, "auth", "can-i", "create", "jobs.batch", as]);
    expect(create.stdout.trim()).toBe("no");
    expect(create.code).toBe(1);
  });
});
