// Global setup of the `kube` test project: reuses a healthy control plane started by
// `npm run cluster:up`, or starts one (building the binaries on the first run) and stops it when
// the run ends. Test files reach it through inject("kubeconfig") / inject("kubectl"); Berth itself
// runs with inject("berthKubeconfig"): the ServiceAccount and RBAC of the Kustomize base.
import type { TestProject } from "vitest/node";
import { down, isHealthy, readState, repoRoot, up } from "../cluster/control-plane.ts";
import { bindBerthServiceAccount } from "./support/berth-identity.ts";

declare module "vitest" {
  export interface ProvidedContext {
    kubeconfig: string;
    kubectl: string;
    clusterDir: string;
    /** A kubeconfig acting as the base's ServiceAccount berth/berth (support/berth-identity.ts). */
    berthKubeconfig: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const running = await readState();
  const reuse = running !== undefined && (await isHealthy(running));
  if (running && !reuse) await down(running);
  const state = reuse ? running : await up({ log: (line) => console.error(`kube setup: ${line}`) });
  project.provide("kubeconfig", state.kubeconfig);
  project.provide("kubectl", state.kubectl);
  project.provide("clusterDir", state.dir);
  project.provide(
    "berthKubeconfig",
    await bindBerthServiceAccount({
      kubectl: state.kubectl,
      kubeconfig: state.kubeconfig,
      dir: state.dir,
      repoRoot,
    }),
  );
  return async () => {
    if (reuse) return; // someone else's cluster: leave it running
    const { survivors } = await down(state);
    if (survivors.length > 0) {
      throw new Error(`test cluster processes survived teardown: ${survivors.map((p) => p.pid).join(", ")}`);
    }
  };
}
