// Builds the batch/v1 Jobs the kube tests submit: GPU requests as Berth makes them (limits ==
// requests, whole GPUs), the simulation annotations kwok's stages read, and the toleration of the
// managed-node taint that Berth adds when it admits a Job.
import type { V1Job, V1Pod, V1Toleration } from "@kubernetes/client-node";
import { gpuResource, managedTaint } from "../../cluster/gpu-node.ts";

export interface GpuJobOptions {
  name: string;
  gpus: number;
  /** Seconds the simulated run lasts (berth.dev/sim-duration); absent: runs until deleted. */
  durationSeconds?: number;
  /** Exit code the simulated run fails with (berth.dev/sim-exit-code). */
  exitCode?: number;
  tolerateManaged?: boolean;
  nodeSelector?: Record<string, string>;
  parallelism?: number;
  backoffLimit?: number;
  claimName?: string;
}

export const managedToleration: V1Toleration = {
  key: managedTaint.key,
  operator: "Equal",
  value: managedTaint.value,
  effect: managedTaint.effect,
};

export function gpuJob(o: GpuJobOptions): V1Job {
  const annotations: Record<string, string> = {};
  if (o.durationSeconds !== undefined) annotations["berth.dev/sim-duration"] = String(o.durationSeconds);
  if (o.exitCode !== undefined) annotations["berth.dev/sim-exit-code"] = String(o.exitCode);
  const gpus = String(o.gpus);
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: o.name },
    spec: {
      parallelism: o.parallelism ?? 1,
      completions: o.parallelism ?? 1,
      backoffLimit: o.backoffLimit ?? 0,
      template: {
        metadata: { annotations },
        spec: {
          restartPolicy: "Never",
          priorityClassName: "berth-normal",
          tolerations: o.tolerateManaged ? [managedToleration] : [],
          nodeSelector: o.nodeSelector ?? {},
          containers: [
            {
              name: "train",
              // Never pulled: kwok simulates the container.
              image: "berth.invalid/sim:1",
              resources: {
                limits: { [gpuResource]: gpus, cpu: "4" },
                requests: { [gpuResource]: gpus, cpu: "4" },
              },
              volumeMounts: o.claimName ? [{ name: "shared", mountPath: "/shared" }] : [],
            },
          ],
          volumes: o.claimName ? [{ name: "shared", persistentVolumeClaim: { claimName: o.claimName } }] : [],
        },
      },
    },
  };
}

export function podCondition(pod: V1Pod, type: string) {
  return pod.status?.conditions?.find((c) => c.type === type);
}

export function jobCondition(job: V1Job, type: string) {
  return job.status?.conditions?.find((c) => c.type === type && c.status === "True");
}
