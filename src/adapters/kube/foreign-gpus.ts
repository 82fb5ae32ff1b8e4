// GPUs taken by pods Berth does not manage (docs/rules.md §5): a pod bound to a node, not finished,
// asking for `nvidia.com/gpu`, that is not a run of Berth's. The device plugin gives those GPUs to
// that pod whatever Berth's books say, so the cycle counts them as taken on their node. Pure: the
// pod watch (run-pod-watch.ts) feeds the pods in.
import type { V1Container, V1Pod } from "@kubernetes/client-node";
import { GPU_RESOURCE, LABEL_JOB, MANAGED_TAINT_KEY } from "./labels.ts";

function gpusOfContainer(c: V1Container): number {
  const r = c.resources;
  const n = Number(r?.limits?.[GPU_RESOURCE] ?? r?.requests?.[GPU_RESOURCE] ?? 0);
  return Number.isInteger(n) && n > 0 ? n : 0;
}

/** The GPUs a pod holds on its node: its containers' sum, or its largest init container's if more. */
export function podGpus(pod: V1Pod): number {
  const main = (pod.spec?.containers ?? []).reduce((n, c) => n + gpusOfContainer(c), 0);
  const init = Math.max(0, ...(pod.spec?.initContainers ?? []).map(gpusOfContainer));
  return Math.max(main, init);
}

/**
 * A run of Berth's: its own Jobs' pods carry `berth.dev/job`; a kubectl user's Job it admitted
 * tolerates the managed taint, which the admission policy refuses to anything Berth did not admit.
 */
export function isBerthPod(pod: V1Pod): boolean {
  if (pod.metadata?.labels?.[LABEL_JOB] !== undefined) return true;
  return (pod.spec?.tolerations ?? []).some((t) => t.key === MANAGED_TAINT_KEY);
}

/** Whether the pod holds GPUs on a node now: bound, not finished. */
function holdsNode(pod: V1Pod): boolean {
  const phase = pod.status?.phase;
  return Boolean(pod.spec?.nodeName) && phase !== "Succeeded" && phase !== "Failed";
}

/** Per node, the GPUs pods Berth does not manage hold there (nodes without any are absent). */
export function foreignGpusByNode(pods: Iterable<V1Pod>): Map<string, number> {
  const out = new Map<string, number>();
  for (const pod of pods) {
    if (!holdsNode(pod) || isBerthPod(pod)) continue;
    const gpus = podGpus(pod);
    if (gpus === 0) continue;
    const node = pod.spec!.nodeName!;
    out.set(node, (out.get(node) ?? 0) + gpus);
  }
  return out;
}
