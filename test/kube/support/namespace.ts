// One namespace per test file on the shared test cluster: created before the file's tests (once
// its `default` ServiceAccount exists, since the ServiceAccount admission plugin refuses pods
// before that) and deleted after them.
import { randomBytes } from "node:crypto";
import { BatchV1Api, CoreV1Api, KubeConfig, RbacAuthorizationV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, inject } from "vitest";
import { waitFor } from "../../cluster/wait.ts";

export function adminConfig(): KubeConfig {
  const config = new KubeConfig();
  config.loadFromFile(inject("kubeconfig"));
  return config;
}

export interface TestNamespace {
  /** Set once the file's beforeAll has run. */
  name: string;
  config: KubeConfig;
  core: CoreV1Api;
  batch: BatchV1Api;
  rbac: RbacAuthorizationV1Api;
}

export function useNamespace(prefix: string): TestNamespace {
  const config = adminConfig();
  const ns: TestNamespace = {
    name: "",
    config,
    core: config.makeApiClient(CoreV1Api),
    batch: config.makeApiClient(BatchV1Api),
    rbac: config.makeApiClient(RbacAuthorizationV1Api),
  };
  beforeAll(async () => {
    ns.name = `${prefix}-${randomBytes(3).toString("hex")}`;
    await ns.core.createNamespace({
      body: { metadata: { name: ns.name, labels: { "berth.dev/test": prefix } } },
    });
    await waitFor(`ServiceAccount default in ${ns.name}`, async () => {
      await ns.core.readNamespacedServiceAccount({ name: "default", namespace: ns.name });
      return true;
    });
  });
  afterAll(async () => {
    if (ns.name) await ns.core.deleteNamespace({ name: ns.name });
  });
  return ns;
}
