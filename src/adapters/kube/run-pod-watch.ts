// The Pod watch beside the Job watches (docs/rules.md §5 "Failures on the cluster"). Pods are
// watched cluster-wide for two things, both decided by pure functions:
// - a pod of a run (Berth's own Job, or a kubectl user's Job Berth admitted) that shows a problem
//   its Job does not (pod-verdict.ts): reported once per (pod, verdict) as a RunProblem; an
//   Unschedulable pod is looked at again when its bound runs out, with no event to wake us;
// - GPUs held by pods Berth does not manage (foreign-gpus.ts): handed on per node when they change.
// A pod names its run only through its Job: Berth's own by the run's labels and Job name (the Job in
// the namespace of the team its labels name), a kubectl user's by the Job's uid, which the service
// checks against the one it recorded.
import { BatchV1Api, CoreV1Api, type KubeConfig, type V1Job, type V1Pod } from "@kubernetes/client-node";
import { runJobName } from "../../basics/job-names.ts";
import type { Millis } from "../../core/types.ts";
import type { RunProblem } from "../../services/ports.ts";
import { foreignGpusByNode, isBerthPod, podGpus } from "./foreign-gpus.ts";
import { isNotFound, translateKubeError } from "./kube-errors.ts";
import {
  ANNOTATION_ATTEMPT,
  LABEL_ATTEMPT,
  LABEL_CONTROLLER_UID,
  LABEL_JOB,
  LABEL_MANAGED_BY,
  LABEL_TEAM,
  MANAGED_BY,
} from "./labels.ts";
import { podVerdict } from "./pod-verdict.ts";
import { watchStream } from "./watch-stream.ts";

export interface RunPodWatchOptions {
  readonly kubeconfig: KubeConfig;
  readonly signal: AbortSignal;
  /** One namespace for every run of Berth's, or the namespace of each team (the executor's rule). */
  readonly namespace: string | ((team: string) => string | Promise<string>);
  /** How long a run's pod may stay Unschedulable before the run fails. */
  readonly unschedulableAfterMs: Millis;
  readonly onProblem: (p: RunProblem) => void;
  /** GPUs per node held by pods Berth does not manage, after every change of them. */
  readonly onForeignGpus?: (byNode: ReadonlyMap<string, number>) => void;
  readonly onError: (err: Error) => void;
  readonly now?: () => Millis;
  readonly watchTimeoutSeconds?: number;
}

type RunOfPod = Pick<RunProblem, "job" | "attempt" | "source" | "kubectl">;

const jobUidOf = (pod: V1Pod) =>
  pod.metadata?.labels?.[LABEL_CONTROLLER_UID] ??
  pod.metadata?.ownerReferences?.find((o) => o.controller && o.kind === "Job")?.uid;
const jobNameOf = (pod: V1Pod) =>
  pod.metadata?.ownerReferences?.find((o) => o.controller && o.kind === "Job")?.name;

export async function watchRunPods(o: RunPodWatchOptions): Promise<void> {
  const core = o.kubeconfig.makeApiClient(CoreV1Api);
  const batch = o.kubeconfig.makeApiClient(BatchV1Api);
  const now = o.now ?? Date.now;
  // Only pods that may hold GPUs Berth does not manage: Berth's own runs (most of the events) never
  // make the per-node sums be counted again.
  const foreignPods = new Map<string, V1Pod>();
  let foreignDirty = false;
  let lastForeign = "";
  /** Per pod uid, the verdict last reported (kind, fatal, message). */
  const reported = new Map<string, string>();
  /** Pods that are no run of Berth's (their Job is not one it runs): never looked up again. */
  const notRuns = new Set<string>();
  /** Unschedulable pods not fatal yet, by uid, to look at again when their bound runs out. */
  const waiting = new Map<string, V1Pod>();
  let timer: ReturnType<typeof setTimeout> | undefined;

  const namespaceOf = async (team: string) =>
    typeof o.namespace === "string" ? o.namespace : await o.namespace(team);

  /** The run a pod belongs to, or undefined when it is no run of Berth's. */
  const runOf = async (pod: V1Pod): Promise<RunOfPod | undefined> => {
    const labels = pod.metadata?.labels ?? {};
    const namespace = pod.metadata?.namespace ?? "";
    const uid = jobUidOf(pod);
    const name = jobNameOf(pod);
    if (!uid || !name) return undefined;
    if (labels[LABEL_MANAGED_BY] === MANAGED_BY) {
      const job = labels[LABEL_JOB];
      const attempt = Number(labels[LABEL_ATTEMPT]);
      const team = labels[LABEL_TEAM];
      if (!job || !team || !Number.isInteger(attempt) || name !== runJobName(job, attempt)) return undefined;
      try {
        if ((await namespaceOf(team)) !== namespace) return undefined;
      } catch {
        return undefined; // no namespace (or several) is the team's: no pod there is its run's
      }
      return {
        job,
        attempt,
        source: { namespace, uid, ...(typeof o.namespace === "string" ? {} : { team }) },
      };
    }
    // A kubectl user's Job: only one Berth admitted names its Berth job and attempt.
    let owner: V1Job;
    try {
      owner = await batch.readNamespacedJob({ name, namespace });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw translateKubeError(err, `reading Job ${name} in ${namespace}`);
    }
    const job = owner.metadata?.labels?.[LABEL_JOB];
    const attempt = Number(owner.metadata?.annotations?.[ANNOTATION_ATTEMPT]);
    if (owner.metadata?.uid !== uid || !job || !Number.isInteger(attempt) || attempt < 1) return undefined;
    return { job, attempt, kubectl: { namespace, name, uid } };
  };

  const judge = async (pod: V1Pod) => {
    const uid = pod.metadata?.uid;
    if (!uid || notRuns.has(uid)) return;
    const verdict = podVerdict(pod, now(), o.unschedulableAfterMs);
    if (verdict?.fatalAt !== undefined) waiting.set(uid, pod);
    else waiting.delete(uid);
    if (!verdict) return;
    const key = `${verdict.kind}:${verdict.fatal}:${verdict.message}`;
    if (reported.get(uid) === key) return;
    const run = await runOf(pod);
    // A pod's Job never becomes Berth's later: a kubectl Job's pods exist only once Berth admitted it.
    if (!run) {
      notRuns.add(uid);
      waiting.delete(uid);
      return;
    }
    reported.set(uid, key);
    o.onProblem({ ...run, at: now(), kind: verdict.kind, message: verdict.message, fatal: verdict.fatal });
  };

  /** Looks again at Unschedulable pods when the earliest bound runs out. */
  const rearm = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    let next = Number.POSITIVE_INFINITY;
    for (const pod of waiting.values())
      next = Math.min(next, podVerdict(pod, now(), o.unschedulableAfterMs)?.fatalAt ?? next);
    if (next === Number.POSITIVE_INFINITY) return;
    timer = setTimeout(
      () => {
        for (const pod of [...waiting.values()])
          judge(pod).catch((err) => o.onError(err instanceof Error ? err : new Error(String(err))));
        // judge() updated `waiting` synchronously before its first await.
        rearm();
      },
      Math.max(0, next - now()) + 50,
    );
  };

  const see = async (pod: V1Pod, deleted: boolean) => {
    const uid = pod.metadata?.uid;
    if (!uid) return;
    if (deleted) {
      reported.delete(uid);
      notRuns.delete(uid);
      waiting.delete(uid);
      if (foreignPods.delete(uid)) foreignDirty = true;
      return;
    }
    if (podGpus(pod) > 0 && !isBerthPod(pod)) {
      foreignPods.set(uid, pod);
      foreignDirty = true;
    } else if (foreignPods.delete(uid)) foreignDirty = true;
    await judge(pod);
  };

  const foreignChanged = () => {
    if (!o.onForeignGpus || !foreignDirty) return;
    foreignDirty = false;
    const byNode = foreignGpusByNode(foreignPods.values());
    const text = JSON.stringify([...byNode].sort());
    if (text === lastForeign) return;
    lastForeign = text;
    o.onForeignGpus(byNode);
  };

  o.signal.addEventListener("abort", () => timer && clearTimeout(timer), { once: true });
  for await (const ev of watchStream<V1Pod>({
    config: o.kubeconfig,
    path: "/api/v1/pods",
    list: () => core.listPodForAllNamespaces({}),
    signal: o.signal,
    ...(o.watchTimeoutSeconds ? { timeoutSeconds: o.watchTimeoutSeconds } : {}),
  })) {
    if (o.signal.aborted) break;
    try {
      if (ev.type === "error") o.onError(ev.error);
      else if (ev.type === "sync") {
        foreignPods.clear();
        foreignDirty = true;
        waiting.clear();
        for (const pod of ev.objects) await see(pod, false);
      } else await see(ev.object, ev.type === "deleted");
      if (ev.type !== "error") {
        foreignChanged();
        rearm();
      }
    } catch (err) {
      // One pod Berth could not look at must not end the watch every other run depends on.
      o.onError(err instanceof Error ? err : new Error(String(err)));
    }
  }
  if (timer) clearTimeout(timer);
}
