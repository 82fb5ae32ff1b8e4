// Where Berth's Kubernetes credentials come from: the pod's service account when it runs in a
// cluster (KUBERNETES_SERVICE_HOST is set), otherwise the kubeconfig named by KUBECONFIG or
// ~/.kube/config, as kubectl does. Undefined when there is neither, so the caller can say so.
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { KubeConfig, type RequestContext } from "@kubernetes/client-node";

type Dispatcher = NonNullable<ReturnType<RequestContext["getDispatcher"]>>;

/**
 * client-node 2.x hands every request a new undici Agent, so each call to the API server opened
 * a new TLS connection: a handshake on both sides per request, a large share of a launch's CPU in
 * Berth and in the API server (BENCHMARKS.md, Launch). This one keeps the first dispatcher made
 * for a cluster and user and gives it to every later request, so connections are kept alive and
 * reused. Credentials that change per request travel in headers, which are still set each time.
 */
export class KeptAliveKubeConfig extends KubeConfig {
  readonly #dispatchers = new Map<string, Dispatcher>();

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    const fresh = context.getDispatcher();
    if (fresh === undefined) return;
    const key = JSON.stringify([this.getCurrentCluster()?.name ?? "", this.getCurrentUser()?.name ?? ""]);
    const kept = this.#dispatchers.get(key);
    if (kept === undefined) this.#dispatchers.set(key, fresh);
    else {
      context.setDispatcher(kept);
      // Never used, so it holds no connection; closing it says so.
      void fresh.close().catch(() => {});
    }
  }
}

export function kubeConfigFromEnvironment(env: NodeJS.ProcessEnv, home = homedir()): KubeConfig | undefined {
  const config = new KeptAliveKubeConfig();
  if (env.KUBERNETES_SERVICE_HOST) {
    config.loadFromCluster();
    return config;
  }
  const path = env.KUBECONFIG?.split(":").find((p) => p && existsSync(p)) ?? join(home, ".kube", "config");
  if (!existsSync(path)) return undefined;
  config.loadFromFile(path);
  return config;
}
