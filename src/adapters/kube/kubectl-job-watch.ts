// The watch on kubectl users' Jobs (every Job Berth did not create): the Jobs labelled for Berth
// are handed to the service that registers them (services/admission/kubectl-jobs.ts), deletions and
// full lists are handed on so that Berth's rows follow the cluster, and the Jobs Berth admitted
// report their runs like Berth's own (run-status.ts), each report once per (attempt, state): the
// last one delivered is written on the Job as `<attempt>:<state>`, so a restarted Berth goes on
// from there. Reports name the Job's uid; the service believes them only for the uid it recorded.

import {
  BatchV1Api,
  CoreV1Api,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Job,
} from "@kubernetes/client-node";
import type { Millis } from "../../core/types.ts";
import type {
  ExecutorEvent,
  ExecutorEventType,
  KubectlJobRef,
  KubectlJobSighting,
} from "../../services/ports.ts";
import { containersOf, gpusOf, LABEL_POOL_REQUEST } from "./admission/job-facts.ts";
import { isNotFound, translateKubeError } from "./kube-errors.ts";
import {
  ANNOTATION_ATTEMPT,
  ANNOTATION_REPORTED,
  LABEL_JOB,
  LABEL_MANAGED_BY,
  LABEL_QUEUE,
  LABEL_RESERVATION,
  LABEL_TEAM,
  MANAGED_BY,
} from "./labels.ts";
import { runStatus } from "./run-status.ts";
import { watchStream } from "./watch-stream.ts";

export interface KubectlJobWatchOptions {
  readonly kubeconfig: KubeConfig;
  readonly signal: AbortSignal;
  /** A labelled Job: registered at first sight, awaited before its reports are delivered. */
  readonly onJob: (s: KubectlJobSighting) => Promise<void>;
  /** A user's Job was deleted. */
  readonly onGone: (ref: KubectlJobRef) => Promise<void>;
  /** After each full list: the uid of every user's Job on the cluster (those deleted meanwhile are not). */
  readonly onSync: (uids: ReadonlySet<string>) => Promise<void>;
  /** Returns the promise of the report's record: the Job is annotated only once it is kept. */
  readonly onReport: (e: ExecutorEvent) => unknown;
  readonly onError: (err: Error) => void;
  readonly now?: () => Millis;
  readonly watchTimeoutSeconds?: number;
}

/** Every Job but Berth's own (a user cannot make a Job look Berth's: that is told by its creator). */
const USER_JOBS_SELECTOR = `${LABEL_MANAGED_BY}!=${MANAGED_BY}`;
const RANK: Record<ExecutorEventType, number> = { running: 1, succeeded: 2, failed: 2, stopped: 2 };
const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

const refOf = (job: V1Job): KubectlJobRef | undefined => {
  const m = job.metadata;
  return m?.namespace && m.name && m.uid ? { namespace: m.namespace, name: m.name, uid: m.uid } : undefined;
};

/** The (attempt, state) last reported for a Job, from its annotation `<attempt>:<state>`. */
function reportedOn(job: V1Job): { attempt: number; type: ExecutorEventType } | undefined {
  const [a, t] = (job.metadata?.annotations?.[ANNOTATION_REPORTED] ?? "").split(":");
  const attempt = Number(a);
  if (
    !Number.isInteger(attempt) ||
    !(t === "running" || t === "succeeded" || t === "failed" || t === "stopped")
  )
    return undefined;
  return { attempt, type: t };
}

function sighting(job: V1Job, ref: KubectlJobRef, core: CoreV1Api): KubectlJobSighting {
  const labels = job.metadata?.labels ?? {};
  const c = job.spec?.template?.spec?.containers?.[0];
  const status = runStatus(job).type;
  return {
    ref,
    reservation: labels[LABEL_RESERVATION] ?? null,
    queue: labels[LABEL_QUEUE] ?? null,
    pool: labels[LABEL_POOL_REQUEST] ?? null,
    gpus: gpusOf(job),
    priorityClassName: job.spec?.template?.spec?.priorityClassName ?? null,
    envNames: containersOf(job).flatMap((k) => (k.env ?? []).map((e) => e.name)),
    envFrom: containersOf(job).some((k) => (k.envFrom ?? []).length > 0),
    annotations: job.spec?.template?.metadata?.annotations ?? {},
    container: {
      image: c?.image ?? "",
      ...(c?.command ? { command: c.command } : {}),
      ...(c?.args ? { args: c.args } : {}),
    },
    suspended: job.spec?.suspend === true,
    finished: status === "succeeded" || status === "failed",
    async team() {
      try {
        const ns = await core.readNamespace({ name: ref.namespace });
        return ns.metadata?.labels?.[LABEL_TEAM] ?? null;
      } catch (err) {
        if (isNotFound(err)) return null;
        throw translateKubeError(err, `reading namespace ${ref.namespace}`);
      }
    },
  };
}

export async function watchKubectlJobs(o: KubectlJobWatchOptions): Promise<void> {
  const batch = o.kubeconfig.makeApiClient(BatchV1Api);
  const core = o.kubeconfig.makeApiClient(CoreV1Api);
  const now = o.now ?? Date.now;
  /** Per Job uid: the last report delivered, ahead of its annotation. */
  const delivered = new Map<string, { attempt: number; type: ExecutorEventType }>();

  const report = (job: V1Job, ref: KubectlJobRef) => {
    const id = job.metadata?.labels?.[LABEL_JOB];
    const attempt = Number(job.metadata?.annotations?.[ANNOTATION_ATTEMPT]);
    if (!id || !Number.isInteger(attempt) || attempt < 1) return; // never admitted
    const { type, message } = runStatus(job);
    if (!type) return;
    const before = delivered.get(ref.uid) ?? reportedOn(job);
    const sameAttempt = before?.attempt === attempt ? before.type : undefined;
    if (before && before.attempt > attempt) return;
    if (sameAttempt && RANK[sameAttempt] >= RANK[type]) return;
    const at = type === "running" ? now() : (finishedAt(job) ?? now());
    const ran =
      !sameAttempt && (type === "succeeded" || type === "failed")
        ? send({ job: id, attempt, type: "running", at: startedAt(job) ?? at, kubectl: ref })
        : Promise.resolve(true);
    delivered.set(ref.uid, { attempt, type });
    // In order, and written on the Job only once Berth has kept it (an annotation ahead of the record
    // would make a successor skip a report that was lost); one not kept is sent again next time.
    void ran
      .then(
        async (ok) =>
          (await send({ job: id, attempt, type, at, ...(message ? { message } : {}), kubectl: ref })) && ok,
      )
      .then((ok) => {
        if (ok) return remember(ref, `${attempt}:${type}`);
        const now = delivered.get(ref.uid);
        if (now?.attempt === attempt && now.type === type) delivered.delete(ref.uid);
      });
  };

  /** Settles true once the report is kept, false (said through onError) when it was not. */
  const send = (e: ExecutorEvent): Promise<boolean> => {
    try {
      return Promise.resolve(o.onReport(e)).then(
        () => true,
        (err: unknown) => {
          o.onError(err instanceof Error ? err : new Error(String(err)));
          return false;
        },
      );
    } catch (err) {
      o.onError(err instanceof Error ? err : new Error(String(err)));
      return Promise.resolve(false);
    }
  };

  const remember = (ref: KubectlJobRef, value: string) =>
    batch
      .patchNamespacedJob(
        {
          name: ref.name,
          namespace: ref.namespace,
          body: { metadata: { uid: ref.uid, annotations: { [ANNOTATION_REPORTED]: value } } },
        },
        mergePatch,
      )
      .then(
        () => {},
        (err) => {
          if (!isNotFound(err))
            o.onError(translateKubeError(err, `annotating Job ${ref.name} in ${ref.namespace}`));
        },
      );

  const observe = async (job: V1Job) => {
    const ref = refOf(job);
    if (!ref) return;
    const labels = job.metadata?.labels ?? {};
    if (labels[LABEL_RESERVATION] !== undefined || labels[LABEL_QUEUE] !== undefined)
      await o.onJob(sighting(job, ref, core));
    report(job, ref);
  };

  for await (const ev of watchStream<V1Job>({
    config: o.kubeconfig,
    path: "/apis/batch/v1/jobs",
    labelSelector: USER_JOBS_SELECTOR,
    list: () => batch.listJobForAllNamespaces({ labelSelector: USER_JOBS_SELECTOR }),
    signal: o.signal,
    ...(o.watchTimeoutSeconds ? { timeoutSeconds: o.watchTimeoutSeconds } : {}),
  })) {
    if (o.signal.aborted) return;
    try {
      if (ev.type === "error") o.onError(ev.error);
      else if (ev.type === "sync") {
        await o.onSync(new Set(ev.objects.flatMap((j) => (j.metadata?.uid ? [j.metadata.uid] : []))));
        for (const job of ev.objects) await observe(job);
      } else if (ev.type === "deleted") {
        const ref = refOf(ev.object);
        if (ref) {
          delivered.delete(ref.uid);
          await o.onGone(ref);
        }
      } else await observe(ev.object);
    } catch (err) {
      // One Job Berth could not record must not end the watch every other Job depends on.
      o.onError(err instanceof Error ? err : new Error(String(err)));
    }
  }
}

function finishedAt(job: V1Job): Millis | undefined {
  const c = job.status?.conditions?.find(
    (x) => x.status === "True" && (x.type === "Complete" || x.type === "Failed"),
  );
  const t = c?.lastTransitionTime ?? job.status?.completionTime;
  return t ? new Date(t).getTime() : undefined;
}

function startedAt(job: V1Job): Millis | undefined {
  const t = job.status?.startTime;
  return t ? new Date(t).getTime() : undefined;
}
