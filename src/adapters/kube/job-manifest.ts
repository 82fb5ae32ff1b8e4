// The batch/v1 Job of one run (docs/rules.md §5): a deterministic name, Berth's
// labels on the Job and its pods, whole GPUs as a limit, the toleration of the managed-node taint
// together with a required nodeAffinity pinning the pods to the node(s) the core planned, the
// priority class, a podFailurePolicy under which a preemption (DisruptionTarget) never counts as a
// failure, and the grace period for checkpointing. What to run comes from the order's run (its
// job kind made it: image, arguments, environment, the shared volume, /dev/shm, config files), or,
// for a spec stored before kinds checked specs, from the spec's own image, command and arguments.
// Every pod is hardened the same way (HARDENED_CONTAINER, podSecurity): no privilege escalation, no
// Linux capabilities, the runtime's default seccomp profile, no ServiceAccount token (a run never
// talks to the API server), and non-root where the kind knows its image runs so (Berth's own).
// Users' training and external images are let run as root, since many (ultralytics' among them)
// do; without capabilities such a root is confined to files it owns.
import type { V1Container, V1EnvVar, V1Job, V1Volume, V1VolumeMount } from "@kubernetes/client-node";
import { DomainError, invalid } from "../../basics/domain-error.ts";
import { runJobName, runLabels } from "../../basics/job-names.ts";
import type { Priority } from "../../core/types.ts";
import type { LaunchOrder, RunEnv, RunSpec } from "../../services/ports.ts";
import {
  ANNOTATION_SIM_DURATION,
  ANNOTATION_SIM_EXIT_CODE,
  ANNOTATION_SIM_FAILURE,
  GPU_RESOURCE,
  HOSTNAME_LABEL,
  MANAGED_TAINT_KEY,
} from "./labels.ts";

/**
 * The port's order as the Job builder reads it: the reservation the run uses (label) and its
 * priority (priority class; `berth-normal` when absent), both filled by the scheduling cycle.
 */
export interface KubeLaunchOrder extends LaunchOrder {
  readonly reservation?: string;
  readonly priority?: Priority;
}

export interface JobManifestOptions {
  readonly namespace: string;
  readonly terminationGracePeriodSeconds: number;
  /** The TTL controller deletes a finished Job this long after it finished. */
  readonly ttlSecondsAfterFinished?: number;
  /** Used when the spec names no image. */
  readonly defaultImage?: string;
  /** CPU and memory per GPU (the pool's), so a pod is not left Pending for want of them. */
  readonly perGpu?: { readonly cpuMilli?: number; readonly memoryMiB?: number };
  /** The ReadWriteMany claim of the run's namespace that a run's `workspaceMount` mounts. */
  readonly workspaceClaim?: string;
}

/** The container half of the hardening: the Pod Security "restricted" profile's settings. */
const HARDENED_CONTAINER = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ["ALL"] },
  privileged: false,
} as const;

function podSecurity(nonRoot: boolean) {
  return { seccompProfile: { type: "RuntimeDefault" }, ...(nonRoot ? { runAsNonRoot: true } : {}) };
}

/** The claim the test cluster (and k8s/) provision in each team namespace. */
export const DEFAULT_WORKSPACE_CLAIM = "berth-shared";

function envVar(e: RunEnv): V1EnvVar {
  return "value" in e
    ? { name: e.name, value: e.value }
    : { name: e.name, valueFrom: { secretKeyRef: { name: e.secret, key: e.key } } };
}

/** The container's command, volumes and annotations as the run spells them. */
function fromRun(run: RunSpec, o: JobManifestOptions) {
  const mounts: V1VolumeMount[] = [];
  const volumes: V1Volume[] = [];
  if (run.workspaceMount) {
    mounts.push({ name: "workspace", mountPath: run.workspaceMount });
    volumes.push({
      name: "workspace",
      persistentVolumeClaim: { claimName: o.workspaceClaim ?? DEFAULT_WORKSPACE_CLAIM },
    });
  }
  if (run.shmMiB) {
    mounts.push({ name: "dshm", mountPath: "/dev/shm" });
    volumes.push({ name: "dshm", emptyDir: { medium: "Memory", sizeLimit: `${run.shmMiB}Mi` } });
  }
  for (const [i, c] of (run.configFiles ?? []).entries()) {
    mounts.push({ name: `config-${i}`, mountPath: c.mountPath, readOnly: true });
    volumes.push({ name: `config-${i}`, configMap: { name: c.name } });
  }
  const container: Omit<V1Container, "name" | "resources"> = {
    image: run.image,
    ...(run.command ? { command: [...run.command] } : {}),
    ...(run.args ? { args: [...run.args] } : {}),
    ...(run.env.length ? { env: run.env.map(envVar) } : {}),
    ...(mounts.length ? { volumeMounts: mounts } : {}),
    // The summary a run writes to /dev/termination-log is how Berth reads its verdict.
    terminationMessagePolicy: "File",
  };
  return { container, volumes, annotations: { ...run.annotations } };
}

/** An order without a run: the spec's own fields, as before kinds existed. */
function fromSpec(spec: Record<string, unknown>, o: JobManifestOptions) {
  const image = typeof spec.image === "string" ? spec.image : o.defaultImage;
  if (!image) throw invalid([{ field: "spec.image", message: "the container image to run" }]);
  const command = stringList(spec.command, "command");
  const args = stringList(spec.args, "args");
  const env = Object.entries(stringRecord(spec.env, "env")).map(([name, value]) => ({ name, value }));
  const container: Omit<V1Container, "name" | "resources"> = {
    image,
    ...(command ? { command } : {}),
    ...(args ? { args } : {}),
    ...(env.length ? { env } : {}),
  };
  return { container, volumes: [] as V1Volume[], annotations: stringRecord(spec.annotations, "annotations") };
}

const LABEL_VALUE = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

function stringList(v: unknown, field: string): string[] | undefined {
  if (v === undefined) return undefined;
  if (Array.isArray(v) && v.every((s) => typeof s === "string")) return v;
  throw invalid([{ field: `spec.${field}`, message: "a list of strings" }]);
}

function stringRecord(v: unknown, field: string): Record<string, string> {
  if (v === undefined) return {};
  if (typeof v === "object" && v !== null && Object.values(v).every((s) => typeof s === "string"))
    return v as Record<string, string>;
  throw invalid([{ field: `spec.${field}`, message: "an object of strings" }]);
}

/** The simulation annotations kwok's pod stages read (test clusters only, docs/rules.md §5). */
function simAnnotations(spec: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  const duration = spec.simDurationSeconds;
  if (duration !== undefined) {
    if (typeof duration !== "number" || !(duration >= 0))
      throw invalid([{ field: "spec.simDurationSeconds", message: "a number of seconds ≥ 0" }]);
    out[ANNOTATION_SIM_DURATION] = String(duration);
  }
  const exit = spec.simExitCode;
  if (exit !== undefined) {
    if (typeof exit !== "number" || !Number.isInteger(exit))
      throw invalid([{ field: "spec.simExitCode", message: "an integer exit code" }]);
    out[ANNOTATION_SIM_EXIT_CODE] = String(exit);
  }
  const failure = spec.simFailure;
  if (failure !== undefined) {
    if (typeof failure !== "string")
      throw invalid([{ field: "spec.simFailure", message: "the name of a simulated failure" }]);
    out[ANNOTATION_SIM_FAILURE] = failure;
    // The kernel's OOM killer ends the container with SIGKILL: 128 + 9.
    if (failure === "OOMKilled" && exit === undefined) out[ANNOTATION_SIM_EXIT_CODE] = "137";
  }
  return out;
}

export function buildRunJob(order: KubeLaunchOrder, o: JobManifestOptions): V1Job {
  for (const [field, value] of [
    ["job", order.job],
    ["team", order.team],
    ["reservation", order.reservation],
  ] as const) {
    if (value !== undefined && !LABEL_VALUE.test(value))
      throw invalid([{ field, message: "must be usable as a Kubernetes label value" }]);
  }
  if (!Number.isInteger(order.attempt) || order.attempt < 1)
    throw invalid([{ field: "attempt", message: "a positive integer" }]);
  const nodes = order.placement.map((s) => s.node);
  const perNode = new Set(order.placement.map((s) => s.gpus.length));
  if (nodes.length === 0 || perNode.size !== 1)
    throw new DomainError(
      "invalid-state",
      `run ${order.job}#${order.attempt} has no even placement to pin to`,
    );
  const gpuCount = [...perNode][0]!;
  const gpus = String(gpuCount);
  const resources: Record<string, string> = { [GPU_RESOURCE]: gpus };
  if (o.perGpu?.cpuMilli) resources.cpu = `${o.perGpu.cpuMilli * gpuCount}m`;
  if (o.perGpu?.memoryMiB) resources.memory = `${o.perGpu.memoryMiB * gpuCount}Mi`;
  const what = order.run ? fromRun(order.run, o) : fromSpec(order.spec, o);
  const annotations = { ...what.annotations, ...simAnnotations(order.spec) };

  const name = runJobName(order.job, order.attempt);
  const labels = runLabels({
    job: order.job,
    attempt: order.attempt,
    team: order.team,
    reservation: order.reservation,
  });
  const pods = nodes.length;
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, namespace: o.namespace, labels },
    spec: {
      parallelism: pods,
      completions: pods,
      // Berth retries by launching a new attempt; a preemption is ignored below, not counted.
      backoffLimit: 0,
      ...(o.ttlSecondsAfterFinished !== undefined
        ? { ttlSecondsAfterFinished: o.ttlSecondsAfterFinished }
        : {}),
      podFailurePolicy: { rules: [{ action: "Ignore", onPodConditions: [{ type: "DisruptionTarget" }] }] },
      template: {
        metadata: { labels, annotations },
        spec: {
          restartPolicy: "Never",
          automountServiceAccountToken: false,
          securityContext: podSecurity(order.run?.nonRoot === true),
          priorityClassName: `berth-${order.priority ?? "normal"}`,
          terminationGracePeriodSeconds: o.terminationGracePeriodSeconds,
          tolerations: [{ key: MANAGED_TAINT_KEY, operator: "Equal", value: "true", effect: "NoSchedule" }],
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [
                  { matchExpressions: [{ key: HOSTNAME_LABEL, operator: "In", values: nodes }] },
                ],
              },
            },
            // Several nodes: one pod on each, as planned, never two on one node.
            ...(pods > 1
              ? {
                  podAntiAffinity: {
                    requiredDuringSchedulingIgnoredDuringExecution: [
                      { topologyKey: HOSTNAME_LABEL, labelSelector: { matchLabels: { "job-name": name } } },
                    ],
                  },
                }
              : {}),
          },
          containers: [
            {
              name: "main",
              ...what.container,
              resources: { limits: resources, requests: resources },
              securityContext: { ...HARDENED_CONTAINER, capabilities: { drop: ["ALL"] } },
            },
          ],
          ...(what.volumes.length ? { volumes: what.volumes } : {}),
        },
      },
    },
  };
}
