// What the admission webhooks need to know about a Job under review, read once from the
// AdmissionReview request: who asks, which Berth labels it carries, and its GPUs (parallelism × the
// pod's `nvidia.com/gpu` limit, docs/rules.md §5).
import type { V1Job } from "@kubernetes/client-node";
import type { KubectlJobFacts } from "../../../services/ports.ts";
import {
  ANNOTATION_ATTEMPT,
  ANNOTATION_REPORTED,
  GPU_RESOURCE,
  LABEL_MANAGED_BY,
  LABEL_QUEUE,
  LABEL_RESERVATION,
  MANAGED_BY,
} from "../labels.ts";

/** Annotations only Berth writes on a kubectl user's Job (kubectl-job-control.ts, kubectl-job-watch.ts). */
const BERTH_JOB_ANNOTATIONS = [ANNOTATION_ATTEMPT, ANNOTATION_REPORTED];

/** The pool a queued (opportunistic) kubectl Job asks for. */
export const LABEL_POOL_REQUEST = "berth.dev/pool";

export interface AdmissionRequest {
  readonly uid: string;
  readonly operation: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly userInfo?: { readonly username?: string };
  readonly object?: V1Job;
  readonly oldObject?: V1Job;
}

/** A Job's GPUs: its parallelism × its pod's `nvidia.com/gpu` limits. */
export function gpusOf(job: V1Job | undefined): number {
  const spec = job?.spec;
  const perPod = (spec?.template?.spec?.containers ?? []).reduce((n, c) => {
    const limit = Number(c.resources?.limits?.[GPU_RESOURCE] ?? 0);
    return n + (Number.isFinite(limit) ? limit : 0);
  }, 0);
  return (spec?.parallelism ?? 1) * perPod;
}

/** Every container of the Job's pod, init containers included: the rules read each one's env. */
export function containersOf(job: V1Job | undefined) {
  const pod = job?.spec?.template?.spec;
  return [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])];
}

export function jobFacts(req: AdmissionRequest, team: string | null): KubectlJobFacts {
  const job = req.object;
  const labels = job?.metadata?.labels ?? {};
  const old = req.oldObject;
  return {
    operation: req.operation === "UPDATE" ? "UPDATE" : "CREATE",
    namespace: req.namespace ?? job?.metadata?.namespace ?? "",
    name: req.name ?? job?.metadata?.name ?? job?.metadata?.generateName ?? "",
    team,
    reservation: labels[LABEL_RESERVATION] ?? null,
    queue: labels[LABEL_QUEUE] ?? null,
    pool: labels[LABEL_POOL_REQUEST] ?? null,
    gpus: gpusOf(job),
    suspend: job?.spec?.suspend,
    oldSuspend: old?.spec?.suspend,
    oldReservation: old?.metadata?.labels?.[LABEL_RESERVATION] ?? null,
    priorityClassName: job?.spec?.template?.spec?.priorityClassName ?? null,
    envNames: containersOf(job).flatMap((c) => (c.env ?? []).map((e) => e.name)),
    envFrom: containersOf(job).some((c) => (c.envFrom ?? []).length > 0),
    annotations: job?.spec?.template?.metadata?.annotations ?? {},
    berthAnnotations: BERTH_JOB_ANNOTATIONS.filter((key) => {
      const now = job?.metadata?.annotations?.[key];
      return now !== undefined && now !== old?.metadata?.annotations?.[key];
    }),
    // Only the Jobs Berth creates carry it; the kubectl Job watch passes them over, so a user's Job
    // with it would wait suspended for ever.
    berthLabels:
      job?.metadata?.labels?.[LABEL_MANAGED_BY] === MANAGED_BY &&
      old?.metadata?.labels?.[LABEL_MANAGED_BY] !== MANAGED_BY
        ? [`${LABEL_MANAGED_BY}=${MANAGED_BY}`]
        : [],
  };
}
