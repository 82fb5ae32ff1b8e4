// The Executor port on a real cluster: each run is a batch/v1 Job (job-manifest.ts). Reports come
// from a watch on Berth's Jobs (watch-stream.ts), never from polling. The last report delivered
// for a Job is written back onto it as an annotation, so an executor started later (a restart, or
// a close and reopen) reports what happened meanwhile but never repeats a report.
// Anyone who may create a Job can copy a run's labels. With a namespace per team, a Job is taken for
// a run only in the namespace of the team its labels name (and reports name that team, which the
// service checks against the job's); each report carries the Job's namespace and uid, and the
// service holds a run to the object its first report came from.
import {
  BatchV1Api,
  CoreV1Api,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Job,
  type V1Pod,
} from "@kubernetes/client-node";
import { runJobName } from "../../basics/job-names.ts";
import type { Millis } from "../../core/types.ts";
import type {
  Executor,
  ExecutorEvent,
  ExecutorEventType,
  ExecutorListener,
  KubectlJobRef,
  RunConfigFiles,
} from "../../services/ports.ts";
import { buildRunJob, type KubeLaunchOrder } from "./job-manifest.ts";
import { isAlreadyExists, isNotFound, translateKubeError } from "./kube-errors.ts";
import { admitKubectlJob, suspendKubectlJob } from "./kubectl-job-control.ts";
import { ANNOTATION_REPORTED, LABEL_ATTEMPT, LABEL_JOB, LABEL_TEAM, OWN_JOBS_SELECTOR } from "./labels.ts";
import { isTerminal, reportedOf, runOf, runStatus } from "./run-status.ts";
import { watchStream } from "./watch-stream.ts";

export interface KubernetesExecutorOptions {
  readonly kubeconfig: KubeConfig;
  /**
   * One namespace for every run, or the namespace of each team (then Jobs are watched
   * cluster-wide); `namespaceByTeamLabel` resolves teams by the namespaces' `berth.dev/team` label.
   */
  readonly namespace: string | ((team: string) => string | Promise<string>);
  /** CPU and memory that come with each GPU on a node (the pool's figures), requested with the GPUs. */
  readonly perGpu?: (node: string) => { cpuMilli?: number; memoryMiB?: number } | undefined;
  /** terminationGracePeriodSeconds of every run: the time a stopped run has to checkpoint. */
  readonly graceSeconds?: number;
  /** Image for orders whose spec names none. */
  readonly defaultImage?: string;
  /**
   * How long a finished Job stays for Berth to read (default 7 days). Keep it well past any
   * downtime: a run whose Job is gone before its report was read looks never launched.
   */
  readonly finishedJobTtlSeconds?: number;
  readonly now?: () => Millis;
  /** Resume the watch from a resourceVersion a previous executor reached (`resourceVersion`). */
  readonly resumeFrom?: string;
  /** Watch failures the executor retries by itself, for the log. */
  readonly onError?: (err: Error) => void;
  /** The server ends each watch after this long and the executor resumes it (default 25 s). */
  readonly watchTimeoutSeconds?: number;
}

const RANK: Record<ExecutorEventType, number> = { running: 1, succeeded: 2, failed: 2, stopped: 2 };
const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

export class KubernetesExecutor implements Executor {
  readonly kind = "kubernetes" as const;
  private readonly batch: BatchV1Api;
  private readonly core: CoreV1Api;
  private readonly listeners: ExecutorListener[] = [];
  private readonly aborter = new AbortController();
  private readonly now: () => Millis;
  /** Last report delivered per Job (namespace/name): what the annotation says, before it lands. */
  private readonly delivered = new Map<string, ExecutorEventType>();
  private readonly pending = new Set<Promise<void>>();
  private loop: Promise<void> | undefined;
  private version: string | undefined;
  private listed = 0;
  private watches = 0;
  private markSynced: () => void = () => {};
  private readonly syncedOnce = new Promise<void>((r) => (this.markSynced = r));

  private readonly o: KubernetesExecutorOptions;

  constructor(o: KubernetesExecutorOptions) {
    this.o = o;
    this.batch = o.kubeconfig.makeApiClient(BatchV1Api);
    this.core = o.kubeconfig.makeApiClient(CoreV1Api);
    this.now = o.now ?? Date.now;
    this.version = o.resumeFrom;
  }

  /** The last resourceVersion the watch saw: pass it as `resumeFrom` to a later executor. */
  get resourceVersion(): string | undefined {
    return this.version;
  }

  /** How often the executor listed all its Jobs (at start, and when its version was too old: 410 Gone). */
  get lists(): number {
    return this.listed;
  }

  /** How many watch connections it opened (the server ends each after `watchTimeoutSeconds`). */
  get watchConnections(): number {
    return this.watches;
  }

  /** Resolves once the watch has listed the cluster's Jobs; at once when resuming from a version. */
  synced(): Promise<void> {
    return this.syncedOnce;
  }

  private async namespaceOf(team: string): Promise<string> {
    return typeof this.o.namespace === "string" ? this.o.namespace : await this.o.namespace(team);
  }

  async launch(order: KubeLaunchOrder): Promise<void> {
    // A kubectl user's Job is admitted where it is, never created (kubectl-job-control.ts).
    if (order.kubectl) return admitKubectlJob(this.batch, order.kubectl, order);
    const namespace = await this.namespaceOf(order.team);
    const perGpu = this.o.perGpu?.(order.placement[0]?.node ?? "");
    const body = buildRunJob(order, {
      namespace,
      ...(perGpu ? { perGpu } : {}),
      terminationGracePeriodSeconds: this.o.graceSeconds ?? 30,
      ttlSecondsAfterFinished: this.o.finishedJobTtlSeconds ?? 7 * 24 * 3600,
      ...(this.o.defaultImage ? { defaultImage: this.o.defaultImage } : {}),
    });
    for (const files of order.run?.configFiles ?? []) await this.putConfigFiles(namespace, files);
    try {
      await this.batch.createNamespacedJob({ namespace, body });
    } catch (err) {
      // The same (job, attempt) was launched before: that Job is this run. Nothing new is created.
      if (isAlreadyExists(err)) return;
      throw translateKubeError(err, `creating Job ${body.metadata?.name} in ${namespace}`);
    }
  }

  /** Creates the ConfigMap a run mounts, or brings an existing one up to this Berth's files. */
  private async putConfigFiles(namespace: string, files: RunConfigFiles): Promise<void> {
    const body = { metadata: { name: files.name, namespace }, data: { ...files.files } };
    try {
      await this.core.createNamespacedConfigMap({ namespace, body });
    } catch (err) {
      if (!isAlreadyExists(err))
        throw translateKubeError(err, `creating ConfigMap ${files.name} in ${namespace}`);
      try {
        await this.core.replaceNamespacedConfigMap({ name: files.name, namespace, body });
      } catch (again) {
        throw translateKubeError(again, `updating ConfigMap ${files.name} in ${namespace}`);
      }
    }
  }

  /**
   * The team a Job's namespace belongs to, when that is the team its labels name: only then may it
   * be a run. Undefined with one shared namespace (the watch sees no other); null when it lies.
   */
  private async teamOf(job: V1Job): Promise<string | null | undefined> {
    if (typeof this.o.namespace === "string") return undefined;
    const team = job.metadata?.labels?.[LABEL_TEAM];
    if (!team) return null;
    try {
      return (await this.o.namespace(team)) === job.metadata?.namespace ? team : null;
    } catch {
      return null; // no namespace (or several) is the team's: no Job can be its run
    }
  }

  /** The Job of a run in its team's namespace; undefined when there is none. */
  private async find(job: string, attempt: number, team?: string): Promise<V1Job | undefined> {
    const name = runJobName(job, attempt);
    try {
      if (typeof this.o.namespace === "string" || team !== undefined)
        return await this.batch.readNamespacedJob({
          name,
          namespace: team !== undefined ? await this.namespaceOf(team) : (this.o.namespace as string),
        });
      // No team given (a caller of the old port): the first listed Job its team's namespace vouches for.
      const list = await this.batch.listJobForAllNamespaces({
        labelSelector: `${OWN_JOBS_SELECTOR},${LABEL_JOB}=${job},${LABEL_ATTEMPT}=${attempt}`,
      });
      for (const j of list.items) if (await this.teamOf(j)) return j;
      return undefined;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw translateKubeError(err, `reading Job ${name}`);
    }
  }

  /**
   * Suspends the run's Job: the Job controller deletes its pods (each gets its grace period) and
   * the watch reports `stopped` once none is left. A run with no Job has nothing holding GPUs.
   */
  async stop(
    job: string,
    attempt: number,
    stopAt: Millis,
    team?: string,
    kubectl?: KubectlJobRef,
  ): Promise<void> {
    if (kubectl) {
      // Gone or finished: the kubectl Job watch reports that, not a stop.
      if (await suspendKubectlJob(this.batch, kubectl))
        await this.shortenGrace(kubectl.name, kubectl.namespace, stopAt);
      return;
    }
    const found = await this.find(job, attempt, team);
    if (!found) {
      this.emit({ job, attempt, type: "stopped", at: this.now(), message: "no Job on the cluster" });
      return;
    }
    const type = runStatus(found).type;
    if (type === "succeeded" || type === "failed") return; // finished already: the watch reports it
    const name = found.metadata!.name!;
    const namespace = found.metadata!.namespace!;
    try {
      await this.batch.patchNamespacedJob({ name, namespace, body: { spec: { suspend: true } } }, mergePatch);
    } catch (err) {
      if (isNotFound(err)) {
        this.emit({ job, attempt, type: "stopped", at: this.now(), message: "Job deleted" });
        return;
      }
      throw translateKubeError(err, `suspending Job ${name} in ${namespace}`);
    }
    await this.shortenGrace(name, namespace, stopAt);
  }

  /**
   * Suspension deletes the pods with the grace period they were launched with. When the GPUs are
   * due back sooner (`stopAt`), delete them again with the shorter grace: the API server lets a
   * second delete shorten a pod's grace period, never lengthen it.
   */
  private async shortenGrace(name: string, namespace: string, stopAt: Millis): Promise<void> {
    const grace = this.o.graceSeconds ?? 30;
    const left = Math.max(0, Math.floor((stopAt - this.now()) / 1000));
    if (left >= grace) return;
    try {
      const pods = await this.core.listNamespacedPod({ namespace, labelSelector: `job-name=${name}` });
      await Promise.all(
        pods.items.map((p) =>
          this.core
            .deleteNamespacedPod({ name: p.metadata!.name!, namespace, gracePeriodSeconds: left })
            .catch((err) => {
              if (!isNotFound(err)) throw err;
            }),
        ),
      );
    } catch (err) {
      throw translateKubeError(err, `stopping the pods of Job ${name} in ${namespace}`);
    }
  }

  async known(): Promise<{ job: string; attempt: number; team?: string }[]> {
    let items: V1Job[];
    try {
      items = (
        typeof this.o.namespace === "string"
          ? await this.batch.listNamespacedJob({
              namespace: this.o.namespace,
              labelSelector: OWN_JOBS_SELECTOR,
            })
          : await this.batch.listJobForAllNamespaces({ labelSelector: OWN_JOBS_SELECTOR })
      ).items;
    } catch (err) {
      throw translateKubeError(err, "listing Berth's Jobs");
    }
    const runs: { job: string; attempt: number; team?: string }[] = [];
    for (const j of items) {
      const ref = runOf(j);
      const team = ref ? await this.teamOf(j) : null;
      if (ref && team !== null) runs.push(team === undefined ? ref : { ...ref, team });
    }
    return runs;
  }

  /** The watch starts with the first listener, so no report is delivered to nobody. */
  onEvent(listener: ExecutorListener): void {
    this.listeners.push(listener);
    this.loop ??= this.watchLoop().catch((err: unknown) => {
      this.o.onError?.(err instanceof Error ? err : new Error(String(err)));
    });
  }

  async close(): Promise<void> {
    this.aborter.abort();
    await this.loop;
    // Reports already delivered are written down before we go, so a successor does not repeat them.
    await Promise.allSettled([...this.pending]);
  }

  /**
   * Hands a report to every listener; settles true once each has recorded it (a listener returns
   * the promise of its write), false when one could not. Never rejects.
   */
  private emit(e: ExecutorEvent): Promise<boolean> {
    // A closed executor reports nothing: a watch connection that outlives close() by a moment (its
    // abort races the client's connect) must not hand a successor's runs to a listener that left.
    if (this.aborter.signal.aborted) return Promise.resolve(false);
    const fail = (err: unknown) => {
      this.o.onError?.(err instanceof Error ? err : new Error(String(err)));
      return false;
    };
    const recorded = this.listeners.map((l) => {
      // A failing listener must not end the watch that every other report depends on.
      try {
        return Promise.resolve(l(e)).then(() => true, fail);
      } catch (err) {
        return Promise.resolve(fail(err));
      }
    });
    return Promise.all(recorded).then((all) => all.every(Boolean));
  }

  private async watchLoop(): Promise<void> {
    const fixed = typeof this.o.namespace === "string" ? this.o.namespace : undefined;
    const stream = watchStream<V1Job>({
      config: this.o.kubeconfig,
      path: fixed ? `/apis/batch/v1/namespaces/${fixed}/jobs` : "/apis/batch/v1/jobs",
      labelSelector: OWN_JOBS_SELECTOR,
      list: () => {
        this.listed++;
        return fixed
          ? this.batch.listNamespacedJob({ namespace: fixed, labelSelector: OWN_JOBS_SELECTOR })
          : this.batch.listJobForAllNamespaces({ labelSelector: OWN_JOBS_SELECTOR });
      },
      onConnect: () => this.watches++,
      signal: this.aborter.signal,
      ...(this.o.watchTimeoutSeconds ? { timeoutSeconds: this.o.watchTimeoutSeconds } : {}),
      ...(this.version ? { resourceVersion: this.version } : {}),
    });
    if (this.version) this.markSynced();
    for await (const ev of stream) {
      if (this.aborter.signal.aborted) return;
      if (ev.type === "error") {
        this.o.onError?.(ev.error);
        continue;
      }
      this.version = ev.resourceVersion;
      if (ev.type === "sync") {
        for (const job of ev.objects) await this.observe(job, false);
        this.markSynced();
      } else await this.observe(ev.object, ev.type === "deleted");
    }
  }

  private async observe(job: V1Job, deleted: boolean): Promise<void> {
    const ref = runOf(job);
    if (!ref) return;
    const team = await this.teamOf(job);
    if (team === null) return; // in a namespace that is not the named team's: never a run of Berth's
    const key = `${job.metadata?.namespace}/${job.metadata?.name}`;
    const before = this.delivered.get(key) ?? reportedOf(job);
    let type = runStatus(job).type;
    let message = runStatus(job).message;
    // Deleted by someone before it finished: its pods go with it, so its GPUs are free.
    if (deleted && !isTerminal(type)) {
      type = "stopped";
      message = "Job deleted";
    }
    if (!type || (before && RANK[before] >= RANK[type])) return;
    const at = this.at(job, type);
    // A run that finished between two looks still ran: report that first, as the port promises.
    const ran =
      !before && (type === "succeeded" || type === "failed")
        ? this.emit({
            ...ref,
            type: "running",
            at: this.startedAt(job) ?? at,
            source: this.sourceOf(job, team),
          })
        : Promise.resolve(true);
    const result = type === "succeeded" ? await this.terminationMessage(job) : undefined;
    this.delivered.set(key, type);
    const report = {
      ...ref,
      type,
      at,
      source: this.sourceOf(job, team),
      ...(message ? { message } : {}),
      ...(result ? { result } : {}),
    };
    // In order, and written on the Job only once Berth has recorded it: an annotation ahead of the
    // record would make a successor skip a report that was never kept (the job left running).
    const recorded = ran.then(async (ok) => (await this.emit(report)) && ok);
    if (deleted) {
      this.delivered.delete(key);
      return;
    }
    this.remember(job, type, recorded, key);
  }

  /**
   * What the run's container left in its termination message (a validation's A/B summary;
   * Kubernetes keeps at most 4 KiB of it). Pods outlive their Job's completion until its TTL. Only
   * a succeeded pod the Job controls counts: a label is anyone's to put on a pod.
   */
  private async terminationMessage(job: V1Job): Promise<string | undefined> {
    const name = job.metadata!.name!;
    const namespace = job.metadata!.namespace!;
    const uid = job.metadata?.uid;
    const ownPod = (pod: V1Pod) =>
      pod.status?.phase === "Succeeded" &&
      pod.metadata?.ownerReferences?.some((o) => o.controller && o.kind === "Job" && o.uid === uid);
    try {
      const pods = await this.core.listNamespacedPod({ namespace, labelSelector: `job-name=${name}` });
      for (const pod of pods.items.filter(ownPod))
        for (const c of pod.status?.containerStatuses ?? []) {
          const message = c.state?.terminated?.message;
          if (message) return message.slice(0, 4096);
        }
    } catch (err) {
      this.o.onError?.(translateKubeError(err, `reading the pods of Job ${name}`));
    }
    return undefined;
  }

  private sourceOf(job: V1Job, team: string | undefined) {
    return {
      namespace: job.metadata?.namespace ?? "",
      uid: job.metadata?.uid ?? "",
      ...(team !== undefined ? { team } : {}),
    };
  }

  private at(job: V1Job, type: ExecutorEventType): Millis {
    if (type === "succeeded" || type === "failed") {
      const c = job.status?.conditions?.find(
        (x) => x.status === "True" && (type === "succeeded" ? x.type === "Complete" : x.type === "Failed"),
      );
      const t = c?.lastTransitionTime ?? job.status?.completionTime;
      if (t) return new Date(t).getTime();
    }
    return this.now();
  }

  private startedAt(job: V1Job): Millis | undefined {
    const t = job.status?.startTime;
    return t ? new Date(t).getTime() : undefined;
  }

  /**
   * Writes the delivered report onto the Job (a merge patch of one annotation) once it is recorded;
   * a report that was not is forgotten here too, so the next look at the Job sends it again.
   * `running` is only remembered here, never written: a successor that sends it again changes
   * nothing (the job is no longer `admitted`, executor-events.ts), while a write per launch cost the
   * API server a write and every Job watcher an event while launches are coming fastest
   * (BENCHMARKS.md, launch benchmark).
   */
  private remember(job: V1Job, type: ExecutorEventType, recorded: Promise<boolean>, key: string): void {
    const name = job.metadata!.name!;
    const namespace = job.metadata!.namespace!;
    const p = recorded
      .then(async (ok) => {
        if (!ok) {
          if (this.delivered.get(key) === type) this.delivered.delete(key);
          return;
        }
        if (type === "running") return;
        await this.batch.patchNamespacedJob(
          { name, namespace, body: { metadata: { annotations: { [ANNOTATION_REPORTED]: type } } } },
          mergePatch,
        );
      })
      .then(
        () => {},
        (err) => {
          if (!isNotFound(err)) this.o.onError?.(translateKubeError(err, `annotating Job ${name}`));
        },
      )
      .finally(() => this.pending.delete(p));
    this.pending.add(p);
  }
}
