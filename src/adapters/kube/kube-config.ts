// Where Berth's Kubernetes credentials come from: the pod's service account when it runs in a
// cluster (KUBERNETES_SERVICE_HOST is set), otherwise the kubeconfig named by KUBECONFIG or
// ~/.kube/config, as kubectl does. Undefined when there is neither, so the caller can say so.
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";

export function kubeConfigFromEnvironment(env: NodeJS.ProcessEnv, home = homedir()): KubeConfig | undefined {
  const config = new KubeConfig();
  if (env.KUBERNETES_SERVICE_HOST) {
    config.loadFromCluster();
    return config;
  }
  const path = env.KUBECONFIG?.split(":").find((p) => p && existsSync(p)) ?? join(home, ".kube", "config");
  if (!existsSync(path)) return undefined;
  config.loadFromFile(path);
  return config;
}
