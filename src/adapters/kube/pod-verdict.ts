// What one pod of a run's Job says about the run, beyond what the Job's own status says (run-status.ts
// reads the Job; this reads its pods). Pure, so each failure is tested without a cluster; the pod
// watch (run-pod-watch.ts) is only the adapter that feeds pods in. The policy (docs/rules.md §5,
// "Failures on the cluster"):
// - a container killed for memory (OOMKilled) or whose image cannot be pulled fails the run at once:
//   neither passes by waiting, and an image pull failure would otherwise hold the GPUs forever;
// - a pod the scheduler cannot place (Unschedulable) waits with the scheduler's message as its
//   reason, and fails the run once it has waited `unschedulableAfterMs` (what blocks it may pass:
//   a pod of someone else's still leaving, a node being drained);
// - a pod whose node is lost is the node-loss path's (the core stops and requeues the run): the
//   verdict only names the cause.
import type { V1ContainerStatus, V1Pod } from "@kubernetes/client-node";
import type { Millis } from "../../core/types.ts";
import type { RunProblem } from "../../services/ports.ts";

export type PodProblemKind = RunProblem["kind"];

export interface PodVerdict {
  readonly kind: PodProblemKind;
  /** The reason as a user reads it on the job: the cause and Kubernetes' own words. */
  readonly message: string;
  /** true: the run can no longer succeed; Berth fails the job and stops its Job. */
  readonly fatal: boolean;
  /** Not fatal yet: when it becomes so (an Unschedulable pod's deadline). */
  readonly fatalAt?: Millis;
}

/** Image pull failures the kubelet reports as a container's waiting reason. */
const IMAGE_PULL_REASONS = new Set([
  "ErrImagePull",
  "ImagePullBackOff",
  "InvalidImageName",
  "ErrImageNeverPull",
]);

function containers(pod: V1Pod): V1ContainerStatus[] {
  return [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
}

const words = (...parts: (string | undefined)[]) => parts.filter((p) => p && p.length > 0).join(": ");

export function podVerdict(pod: V1Pod, now: Millis, unschedulableAfterMs: Millis): PodVerdict | undefined {
  for (const c of containers(pod)) {
    const t = c.state?.terminated ?? c.lastState?.terminated;
    if (t?.reason === "OOMKilled")
      return {
        kind: "oom-killed",
        message: `OOMKilled: container ${c.name} ran out of memory (exit code ${t.exitCode ?? 137})`,
        fatal: true,
      };
  }
  for (const c of containers(pod)) {
    const w = c.state?.waiting;
    if (w?.reason && IMAGE_PULL_REASONS.has(w.reason))
      return {
        kind: "image-pull",
        message: words(
          `${w.reason}: image ${c.image ?? "?"} of container ${c.name} cannot be pulled`,
          w.message,
        ),
        fatal: true,
      };
  }
  const disrupted = pod.status?.conditions?.find((c) => c.type === "DisruptionTarget" && c.status === "True");
  if (pod.status?.reason === "NodeLost" || disrupted?.reason === "DeletionByTaintManager")
    return {
      kind: "node-lost",
      message: words(`node lost: ${pod.spec?.nodeName ?? "its node"} stopped answering`, disrupted?.message),
      fatal: false,
    };
  const scheduled = pod.status?.conditions?.find((c) => c.type === "PodScheduled");
  if (
    pod.status?.phase === "Pending" &&
    scheduled?.status === "False" &&
    scheduled.reason === "Unschedulable" &&
    !pod.metadata?.deletionTimestamp
  ) {
    const since = scheduled.lastTransitionTime ? new Date(scheduled.lastTransitionTime).getTime() : now;
    const fatalAt = since + unschedulableAfterMs;
    return {
      kind: "unschedulable",
      message: words("Unschedulable", scheduled.message),
      fatal: now >= fatalAt,
      ...(now >= fatalAt ? {} : { fatalAt }),
    };
  }
  return undefined;
}
