// Ports the services call; adapters implement them (docs/architecture.md, "Where to add").
import type { Millis, Placement, Priority } from "../core/types.ts";

/** An environment variable of a run: a plain value, or a key of a Secret in the run's namespace. */
export type RunEnv =
  | { readonly name: string; readonly value: string }
  | { readonly name: string; readonly secret: string; readonly key: string };

/** A volume a run mounts besides the shared workspace and /dev/shm. */
export interface RunConfigFiles {
  /** The ConfigMap's name; the executor creates it in the run's namespace when missing. */
  readonly name: string;
  readonly mountPath: string;
  readonly files: Readonly<Record<string, string>>;
}

/**
 * What a run executes, as its job kind made it (src/services/scheduling/job-kinds/): the container,
 * and in embedded mode how to run it as a local process instead.
 */
export interface RunSpec {
  readonly image: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly env: readonly RunEnv[];
  readonly annotations: Readonly<Record<string, string>>;
  /** Where the team's shared volume is mounted; absent: the run mounts none. */
  readonly workspaceMount?: string;
  /** Size of the memory-backed /dev/shm; absent: the container runtime's default. */
  readonly shmMiB?: number;
  readonly configFiles?: readonly RunConfigFiles[];
  /** The image runs as a non-root user, so the pod may insist on it (runAsNonRoot). */
  readonly nonRoot?: boolean;
  /**
   * The same work as a process on Berth's own machine (embedded mode, no cluster): the executor
   * runs it and reads `resultFile` as the run's result when it exits 0.
   */
  readonly local?: {
    readonly command: string;
    readonly args: readonly string[];
    readonly resultFile?: string;
  };
}

/** A kubectl user's Job Berth admits, as Berth recorded it at first sight (never re-read from labels). */
export interface KubectlJobRef {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
}

/** A user's Job labelled for Berth, as the Job watch sees it now. */
export interface KubectlJobSighting {
  readonly ref: KubectlJobRef;
  readonly reservation: string | null;
  readonly queue: string | null;
  readonly pool: string | null;
  readonly gpus: number;
  readonly priorityClassName: string | null;
  /** What the job rules read: every container's env names, whether any uses envFrom, pod annotations. */
  readonly envNames: readonly string[];
  readonly envFrom: boolean;
  readonly annotations: Readonly<Record<string, string>>;
  /** The first container's image, command and arguments (what `GET /jobs` shows as its spec). */
  readonly container: { readonly image: string; readonly command?: string[]; readonly args?: string[] };
  readonly suspended: boolean;
  readonly finished: boolean;
  /** The team its namespace belongs to (its berth.dev/team label); read only when asked. */
  team(): Promise<string | null>;
}

export interface LaunchOrder {
  readonly job: string;
  /** 1-based; with the job id it names the run, so a re-launch after a crash is idempotent. */
  readonly attempt: number;
  readonly kind: "train" | "validate" | "external";
  readonly team: string;
  readonly placement: Placement;
  readonly spec: Record<string, unknown>;
  /** The reservation the run uses (absent: a queued run); the Kubernetes executor labels its Job with it. */
  readonly reservation?: string;
  /** The job's priority; the Kubernetes executor picks the priority class from it. */
  readonly priority?: Priority;
  /** What to run, from the job's kind; absent for a spec stored before kinds checked specs. */
  readonly run?: RunSpec;
  /**
   * The run is a kubectl user's Job: the executor admits that Job (unsuspends it, with the
   * toleration and the node pin) instead of creating one.
   */
  readonly kubectl?: KubectlJobRef;
}

export type ExecutorListener = (e: ExecutorEvent) => unknown;

export type ExecutorEventType = "running" | "succeeded" | "failed" | "stopped";

export interface ExecutorEvent {
  readonly job: string;
  readonly attempt: number;
  readonly type: ExecutorEventType;
  readonly at: Millis;
  readonly message?: string;
  /**
   * What a finished run left for Berth to read (a validation's A/B summary): a pod's termination
   * message (at most 4 KiB), or the result file of a local run.
   */
  readonly result?: string;
  /**
   * The object the report comes from, on a cluster: its namespace and uid, and the team that
   * namespace belongs to (absent when every run shares Berth's one namespace). The first report of
   * a run fixes its source; a report from any other object is not about the run.
   */
  readonly source?: { readonly namespace: string; readonly uid: string; readonly team?: string };
  /** The report is about a kubectl user's Job: Berth believes it only while the uid is the recorded one. */
  readonly kubectl?: KubectlJobRef;
}

/**
 * What a run's pods show that its Job does not (src/adapters/kube/pod-verdict.ts): a container
 * OOMKilled, an image that cannot be pulled, a pod the scheduler cannot place, a node lost.
 * `fatal`: the run can no longer succeed, so Berth fails the job and stops its Job.
 */
export interface RunProblem {
  readonly job: string;
  readonly attempt: number;
  readonly at: Millis;
  readonly kind: "oom-killed" | "image-pull" | "unschedulable" | "node-lost";
  readonly message: string;
  readonly fatal: boolean;
  /** The run's own Job (Berth's), as in ExecutorEvent: a pod of any other Job is not about the run. */
  readonly source?: { readonly namespace: string; readonly uid: string; readonly team?: string };
  /** The run is a kubectl user's Job: believed only while its uid is the recorded one. */
  readonly kubectl?: KubectlJobRef;
}

/** Runs jobs: Kubernetes Jobs, or the simulated demo cluster. */
export interface Executor {
  readonly kind: "simulated" | "kubernetes";
  /** Idempotent per (job, attempt). */
  launch(order: LaunchOrder): Promise<void>;
  /**
   * Tell a run to stop (suspend / SIGTERM); it reports `stopped` once its GPUs are free, by `stopAt`.
   * `team` (the job's) says where the run lives on a cluster with a namespace per team; `kubectl`:
   * the run is that user's Job (it is suspended, never deleted).
   */
  stop(job: string, attempt: number, stopAt: Millis, team?: string, kubectl?: KubectlJobRef): Promise<void>;
  /** Runs it knows about, for reconciliation after a restart; `team` when it lives in a team's namespace. */
  known(): Promise<{ job: string; attempt: number; team?: string }[]>;
  /**
   * `listener` returns the promise of its record of the report, where it keeps one: an executor that
   * writes a report down on the cluster (so a successor does not repeat it) waits for that first.
   */
  onEvent(listener: ExecutorListener): void;
  close(): Promise<void>;
}

/** A Job a kubectl user creates or changes, as the admission webhooks saw it (docs/rules.md §5). */
export interface KubectlJobFacts {
  readonly operation: "CREATE" | "UPDATE";
  readonly namespace: string;
  readonly name: string;
  /** The team the namespace belongs to (its berth.dev/team label); null when none. */
  readonly team: string | null;
  readonly reservation: string | null;
  readonly queue: string | null;
  readonly pool: string | null;
  readonly gpus: number;
  /** spec.suspend as asked (undefined when absent) and, on UPDATE, as it was. */
  readonly suspend: boolean | undefined;
  readonly oldSuspend: boolean | undefined;
  readonly oldReservation: string | null;
  readonly priorityClassName: string | null;
  /** The names of every container's (and init container's) environment variables. */
  readonly envNames: readonly string[];
  /** Whether a container imports variables wholesale (envFrom): their names cannot be seen here. */
  readonly envFrom: boolean;
  /** The pod template's annotations. */
  readonly annotations: Readonly<Record<string, string>>;
  /** Berth's own annotations on the Job (its admitted attempt, its last report) this request sets or changes. */
  readonly berthAnnotations?: readonly string[];
  /** Labels only Berth's own Jobs carry (`key=value`) that this request adds. */
  readonly berthLabels?: readonly string[];
}

/** The refusals of one kubectl Job (empty: admitted), each a sentence for kubectl to print. */
export type KubectlJobCheck = (facts: KubectlJobFacts) => Promise<string[]>;
