// Admitting and stopping a kubectl user's Job (docs/rules.md §5): Berth never creates or deletes
// it. The mutating webhook made it suspended; admitting it is one merge patch that adds the managed
// taint's toleration, pins its pods to the planned node(s) with a required node affinity, notes the
// Berth job and attempt on it, and unsuspends it. Kubernetes lets the pod template's tolerations
// and node affinity change only while the Job is suspended with no pod left, which is exactly when
// Berth admits it (at first, or after a preemption has stopped it). Stopping it suspends it: the Job
// controller deletes its pods with their grace period and the Job stays for its next admission.
// Every call names the Job by the uid recorded at first sight: a Job deleted and created again
// under the same name is not the one Berth admitted.
import type { BatchV1Api, V1Job, V1Toleration } from "@kubernetes/client-node";
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { DomainError } from "../../basics/domain-error.ts";
import type { Placement } from "../../core/types.ts";
import type { KubectlJobRef } from "../../services/ports.ts";
import { isNotFound, translateKubeError } from "./kube-errors.ts";
import { ANNOTATION_ATTEMPT, HOSTNAME_LABEL, LABEL_JOB, MANAGED_TAINT_KEY } from "./labels.ts";
import { runStatus } from "./run-status.ts";

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

const MANAGED_TOLERATION: V1Toleration = {
  key: MANAGED_TAINT_KEY,
  operator: "Equal",
  value: "true",
  effect: "NoSchedule",
};

const where = (ref: KubectlJobRef) => `Job ${ref.name} in ${ref.namespace}`;

/** The user's Job, if it is still the one Berth recorded; undefined when it is gone. */
async function readRecorded(batch: BatchV1Api, ref: KubectlJobRef): Promise<V1Job | undefined> {
  try {
    const job = await batch.readNamespacedJob({ name: ref.name, namespace: ref.namespace });
    return job.metadata?.uid === ref.uid ? job : undefined;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw translateKubeError(err, `reading ${where(ref)}`);
  }
}

async function patch(
  batch: BatchV1Api,
  ref: KubectlJobRef,
  body: { metadata?: object; spec?: object },
  doing: string,
): Promise<void> {
  // The uid in the patch is a precondition: the API server refuses it for another Job of that name.
  const metadata = { ...body.metadata, uid: ref.uid };
  try {
    await batch.patchNamespacedJob(
      { name: ref.name, namespace: ref.namespace, body: { ...body, metadata } },
      mergePatch,
    );
  } catch (err) {
    throw translateKubeError(err, `${doing} ${where(ref)}`);
  }
}

const isFinished = (job: V1Job) => {
  const t = runStatus(job).type;
  return t === "succeeded" || t === "failed";
};

/** The patch that admits the Job for one run on `placement` (pure, so it is tested without a cluster). */
export function admissionPatch(job: V1Job, run: { job: string; attempt: number; placement: Placement }) {
  const nodes = [...new Set(run.placement.map((p) => p.node))];
  const tolerations = [
    ...(job.spec?.template?.spec?.tolerations ?? []).filter((t) => t.key !== MANAGED_TAINT_KEY),
    MANAGED_TOLERATION,
  ];
  return {
    metadata: {
      labels: { [LABEL_JOB]: run.job },
      annotations: { [ANNOTATION_ATTEMPT]: String(run.attempt) },
    },
    spec: {
      suspend: false,
      template: {
        spec: {
          tolerations,
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [
                  { matchExpressions: [{ key: HOSTNAME_LABEL, operator: "In", values: nodes }] },
                ],
              },
            },
          },
        },
      },
    },
  };
}

/**
 * Admits the run: idempotent per (job, attempt), so a re-sent launch after a crash finds the Job
 * unsuspended for this attempt and leaves it. A Job that is gone fails the run (`invalid`: it
 * cannot come back); one that has finished is left for the watch to report.
 */
export async function admitKubectlJob(
  batch: BatchV1Api,
  ref: KubectlJobRef,
  run: { job: string; attempt: number; placement: Placement },
): Promise<void> {
  const job = await readRecorded(batch, ref);
  if (!job) throw new DomainError("invalid", `${where(ref)} is gone: it was deleted`);
  if (isFinished(job)) return;
  const admitted = job.metadata?.annotations?.[ANNOTATION_ATTEMPT] === String(run.attempt);
  if (admitted && job.spec?.suspend === false) return;
  await patch(batch, ref, admissionPatch(job, run), "admitting");
}

/** Suspends the Job; false when there is nothing to stop (it is gone or has finished). */
export async function suspendKubectlJob(batch: BatchV1Api, ref: KubectlJobRef): Promise<boolean> {
  const job = await readRecorded(batch, ref);
  if (!job || isFinished(job)) return false;
  if (job.spec?.suspend !== true) await patch(batch, ref, { spec: { suspend: true } }, "suspending");
  return true;
}
