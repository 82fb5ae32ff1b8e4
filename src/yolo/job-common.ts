// What every Job Berth launches itself has in common (docs/rules.md §5): a
// deterministic name (re-launch is idempotent), the berth.dev labels, GPUs as a limit plus the
// pool's CPU and memory per GPU, a memory-backed /dev/shm (PyTorch data loaders share batches
// through it; the container default of 64 MiB kills them), the ReadWriteMany volume that lets a run
// resume on another node, a grace period for the checkpoint, a podFailurePolicy under which a
// preemption (DisruptionTarget) never burns backoffLimit, and activeDeadlineSeconds only as a
// backstop past the window's end plus grace (suspension is how Berth actually stops work).
import { MANAGED_TAINT_KEY, runJobName, runLabels } from "../basics/job-names.ts";
import type { Pool, Priority } from "../core/types.ts";

export const WORKSPACE_MOUNT = "/workspace";

/** The Kubernetes objects here are plain JSON-shaped values; the kube adapter sends them as they are. */
export type K8sObject = Record<string, unknown>;

export interface JobPlacement {
  /** Where the job runs: inside a reservation, or opportunistically from a queue. */
  readonly reservationId?: string;
  readonly queue?: string;
  readonly priority: Priority;
  /** Nodes the core admitted the job onto; absent while it waits (then the Job is created suspended). */
  readonly admittedNodes?: readonly string[];
}

export interface CommonJobInput {
  readonly jobId: string;
  /** Which run of the job (1-based, default 1): with the id it names the Job. */
  readonly attempt?: number;
  readonly team: string;
  readonly namespace: string;
  readonly pool: Pool;
  readonly gpus: number;
  readonly placement: JobPlacement;
  /** The ReadWriteMany PersistentVolumeClaim holding datasets, runs and exports. */
  readonly volumeClaim: string;
  readonly terminationGracePeriodSeconds: number;
  /** Epoch ms: the reservation's end (or the lent slot's reclaim time). */
  readonly windowEnd: number;
  /** Epoch ms: when the Job is (re)started; the deadline backstop counts from here. */
  readonly now: number;
  readonly shmMiB?: number;
}

/** The run's labels (src/basics/job-names.ts), as the executor's Jobs carry them. */
export function jobLabels(input: CommonJobInput): Record<string, string> {
  return runLabels({
    job: input.jobId,
    attempt: input.attempt ?? 1,
    team: input.team,
    reservation: input.placement.reservationId,
    queue: input.placement.queue,
  });
}

export function gpuResources(pool: Pool, gpus: number): K8sObject {
  const limits: Record<string, string> = { "nvidia.com/gpu": String(gpus) };
  const requests: Record<string, string> = {};
  if (pool.cpuMilliPerGpu) {
    limits.cpu = `${pool.cpuMilliPerGpu * gpus}m`;
    requests.cpu = limits.cpu;
  }
  if (pool.memoryMiBPerGpu) {
    limits.memory = `${pool.memoryMiBPerGpu * gpus}Mi`;
    requests.memory = limits.memory;
  }
  return { limits, ...(Object.keys(requests).length ? { requests } : {}) };
}

/** Seconds from `now` to the window's end plus grace, plus a minute of slack: a backstop only. */
export function backstopDeadlineSeconds(input: CommonJobInput): number {
  const seconds = Math.ceil((input.windowEnd - input.now) / 1000) + input.terminationGracePeriodSeconds + 60;
  return Math.max(seconds, input.terminationGracePeriodSeconds + 60);
}

export interface JobShape {
  readonly kind: "train" | "validate";
  readonly container: K8sObject;
  readonly extraVolumes?: readonly K8sObject[];
  readonly annotations?: Record<string, string>;
}

/** The batch/v1 Job around one container. */
export function buildJob(input: CommonJobInput, shape: JobShape): K8sObject {
  if (!Number.isInteger(input.gpus) || input.gpus < 1)
    throw new Error(`gpus must be a positive integer, got ${input.gpus}`);
  if (input.gpus > input.pool.gpusPerNode) {
    // Multi-node training is out of scope: one Job's GPUs sit on one node.
    throw new Error(
      `a ${shape.kind} job runs on one node: ${input.gpus} GPUs exceed the ${input.pool.gpusPerNode} per node of pool ${input.pool.name}`,
    );
  }
  const labels = jobLabels(input);
  const admitted = input.placement.admittedNodes;
  const shmMiB = input.shmMiB ?? 1024 * input.gpus;
  const container = {
    ...shape.container,
    resources: gpuResources(input.pool, input.gpus),
    volumeMounts: [
      { name: "workspace", mountPath: WORKSPACE_MOUNT },
      { name: "dshm", mountPath: "/dev/shm" },
      ...((shape.container.volumeMounts as K8sObject[] | undefined) ?? []),
    ],
    terminationMessagePolicy: "File",
  };
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: runJobName(input.jobId, input.attempt ?? 1),
      namespace: input.namespace,
      labels,
      ...(shape.annotations ? { annotations: shape.annotations } : {}),
    },
    spec: {
      // Created suspended until the core admits it; Berth unsuspends with the node pin below.
      suspend: !admitted,
      backoffLimit: 3,
      activeDeadlineSeconds: backstopDeadlineSeconds(input),
      podFailurePolicy: {
        rules: [
          { action: "Ignore", onPodConditions: [{ type: "DisruptionTarget" }] },
          // Exit 2 is a usage error (bad arguments): retrying cannot help.
          { action: "FailJob", onExitCodes: { containerName: "main", operator: "In", values: [2] } },
        ],
      },
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: "Never",
          priorityClassName: `berth-${input.placement.priority}`,
          terminationGracePeriodSeconds: input.terminationGracePeriodSeconds,
          ...(admitted
            ? {
                tolerations: [
                  { key: MANAGED_TAINT_KEY, operator: "Equal", value: "true", effect: "NoSchedule" },
                ],
                affinity: {
                  nodeAffinity: {
                    requiredDuringSchedulingIgnoredDuringExecution: {
                      nodeSelectorTerms: [
                        {
                          matchExpressions: [
                            { key: "kubernetes.io/hostname", operator: "In", values: [...admitted] },
                          ],
                        },
                      ],
                    },
                  },
                },
              }
            : {}),
          containers: [container],
          volumes: [
            { name: "workspace", persistentVolumeClaim: { claimName: input.volumeClaim } },
            { name: "dshm", emptyDir: { medium: "Memory", sizeLimit: `${shmMiB}Mi` } },
            ...(shape.extraVolumes ?? []),
          ],
        },
      },
    },
  };
}
